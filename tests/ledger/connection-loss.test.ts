import { randomUUID } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import postgres from "postgres";
import { markFunctionSql, startKiller, type Mark } from "../harness/connection-killer.ts";
import { accountOf, adminClient, grantedUser, RECONCILIATION, TRANSFER, type Reconciled, type Transferred } from "./helpers.ts";

const MARK: Mark = [74_110, 2];
/** Kills in all: fewer than the ledger's 12 attempts, so even a transfer killed every time ends. */
const KILL_BUDGET = 10;
const TRANSFERS = 30;

/**
 * Marks the ledger's connection while it posts to one of these accounts, and stalls every such
 * statement 40 ms so that the killer finds it mid-transaction.
 */
async function markPostingsTo(accountIds: string[]): Promise<() => Promise<void>> {
  const db = postgres(inject("databaseUrl"), { max: 1, onnotice: () => {} });
  await db.unsafe(`
    create schema if not exists ledger_kill;
    create table if not exists ledger_kill.marked (account_id uuid primary key);
    ${markFunctionSql("ledger_kill", MARK)}
    create or replace function ledger_kill.postings_mark() returns trigger language plpgsql as $$
    begin
      if exists (select 1 from ledger_kill.marked where account_id = new.account_id) then perform ledger_kill.mark(1.0, 40); end if;
      return new;
    end $$;
    drop trigger if exists ledger_kill_mark on ledger.postings;
    create trigger ledger_kill_mark before insert on ledger.postings for each row execute function ledger_kill.postings_mark();`);
  await db`insert into ledger_kill.marked ${db(accountIds.map((account_id) => ({ account_id })))} on conflict do nothing`;
  return async () => {
    await db`delete from ledger_kill.marked where account_id in ${db(accountIds)}`;
    await db.end();
  };
}

describe("losing database connections", () => {
  it("keeps transferring while the ledger's connections are killed mid-transfer: nothing lost, nothing doubled", async () => {
    // Credits an admin granted: welcome credits are not sent on before a completed trade.
    const alice = await grantedUser();
    const bob = await grantedUser();
    const keys = Array.from({ length: TRANSFERS }, () => randomUUID());

    const unmark = await markPostingsTo([alice.id]);
    const killer = startKiller({ mark: MARK, applications: ["localex-ledger"], budget: KILL_BUDGET });
    let killed = 0;
    const transferIds: string[] = [];
    try {
      // Eight clients at a time, each sending its transfers of 1 credit from Alice to Bob.
      for (let i = 0; i < keys.length; i += 8) {
        const batch = keys.slice(i, i + 8).map((key) => alice.client.request<Transferred>(TRANSFER, { input: { toUserId: bob.id, amount: 1 }, key }));
        for (const res of await Promise.all(batch)) {
          expect(res.errors).toBeUndefined();
          expect(res.data?.transferCredits.errors).toEqual([]);
          transferIds.push(res.data!.transferCredits.transfer!.id);
        }
      }
    } finally {
      killed = await killer.stop();
      await unmark();
    }
    console.info(`ledger connection loss: ${killed} of ${KILL_BUDGET} kills landed under ${TRANSFERS} transfers`);
    expect(killed).toBeGreaterThan(0);
    expect(new Set(transferIds).size).toBe(TRANSFERS);

    // Replaying every key moves nothing more.
    for (const key of keys) {
      await alice.client.data(TRANSFER, { input: { toUserId: bob.id, amount: 1 }, key });
    }
    expect((await accountOf(alice)).balance).toBe(100 - TRANSFERS);
    expect((await accountOf(bob)).balance).toBe(100 + TRANSFERS);

    const { ledgerReconciliation } = await (await adminClient()).data<Reconciled>(RECONCILIATION);
    expect(ledgerReconciliation).toMatchObject({ transfersUnbalanced: 0, differences: [] });
  }, 120_000);
});
