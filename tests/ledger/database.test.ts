import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { afterAll, describe, expect, inject, it } from "vitest";
import { accountOf, fundedUser } from "./helpers.ts";

// Straight to the database, as a buggy service or a hand-typed fix would: it still refuses.
const sql = postgres(inject("databaseUrl"), { max: 2, onnotice: () => {} });
afterAll(() => sql.end({ timeout: 5 }));

describe("the database keeps the books honest by itself", () => {
  it("refuses at commit a transfer whose postings do not sum to zero", async () => {
    const [ann, bob] = await Promise.all([fundedUser(), fundedUser()]);
    const id = randomUUID();
    const unbalanced = sql.begin(async (tx) => {
      await tx`insert into ledger.transfers (id, kind, initiator) values (${id}, 'transfer', 'test')`;
      await tx`insert into ledger.postings (transfer_id, account_id, counterparty_id, amount, balance_after)
               values (${id}, ${ann.id}, ${bob.id}, -10, 90), (${id}, ${bob.id}, ${ann.id}, 5, 105)`;
    });
    await expect(unbalanced).rejects.toThrow(/unbalanced/);
    const [row] = await sql`select count(*)::int as n from ledger.transfers where id = ${id}`;
    expect(row!.n).toBe(0);
  });

  it("refuses to update, delete or truncate postings", async () => {
    const ann = await fundedUser();
    await expect(sql`update ledger.postings set amount = amount + 1 where account_id = ${ann.id}`).rejects.toThrow(/append-only/);
    await expect(sql`delete from ledger.postings where account_id = ${ann.id}`).rejects.toThrow(/append-only/);
    await expect(sql`truncate ledger.postings cascade`).rejects.toThrow(/append-only/);
    await expect(sql`update ledger.transfers set memo = 'rewritten'`).rejects.toThrow(/append-only/);
    expect(await accountOf(ann)).toMatchObject({ balance: 100 });
  });

  it("refuses a held amount beyond the balance (available below zero)", async () => {
    const ann = await fundedUser();
    await expect(sql`update ledger.accounts set held = balance + 1 where id = ${ann.id}`).rejects.toThrow(/accounts_available_check/);
    await expect(sql`update ledger.accounts set balance = -1 where id = ${ann.id}`).rejects.toThrow(/accounts_available_check/);
    expect(await accountOf(ann)).toEqual({ balance: 100, held: 0, available: 100 });
  });
});
