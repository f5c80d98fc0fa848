import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { TestUser } from "../harness/client.ts";
import { accountOf, adminClient, fundedUser, grantedUser, placeHold, RECONCILIATION, releaseHold, settleHold, transfer } from "./helpers.ts";

/** Runs `tasks` with at most `limit` in flight. */
async function pool<T>(count: number, limit: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

async function withBalance(user: TestUser, sink: TestUser, balance: number) {
  await transfer(user, sink.id, 100 - balance);
  expect(await accountOf(user)).toMatchObject({ balance });
}

// Members who send credits hold an admin's grant (grantedUser): welcome credits are not sent on
// before a completed trade. Holds draw on welcome credits as trades do (fundedUser).
describe("concurrency", () => {
  it("lets exactly 5 of 20 concurrent transfers of 10 through against 50 available", async () => {
    const [ann, bob, sink] = await Promise.all([grantedUser(), grantedUser(), grantedUser()]);
    await withBalance(ann, sink, 50);
    const results = await Promise.all(Array.from({ length: 20 }, () => transfer(ann, bob.id, 10)));
    const ok = results.filter((r) => r.errors.length === 0);
    expect(ok).toHaveLength(5);
    for (const r of results.filter((r) => r.errors.length > 0)) {
      expect(r.errors).toEqual([expect.objectContaining({ code: "INSUFFICIENT_FUNDS", field: "input.amount" })]);
    }
    expect(await accountOf(ann)).toEqual({ balance: 0, held: 0, available: 0 });
    expect(await accountOf(bob)).toMatchObject({ balance: 150 });
  });

  it("moves money once for 10 racing copies of one idempotency key, all returning the same result", async () => {
    const [ann, bob] = await Promise.all([grantedUser(), grantedUser()]);
    const key = randomUUID();
    const results = await Promise.all(Array.from({ length: 10 }, () => transfer(ann, bob.id, 7, key, "race")));
    expect(results[0]!.errors).toEqual([]);
    for (const r of results) expect(r).toEqual(results[0]);
    expect(await accountOf(ann)).toMatchObject({ balance: 93 });
    expect(await accountOf(bob)).toMatchObject({ balance: 107 });
  });

  it("leaves balances unchanged after 500 A→B and 500 B→A transfers at concurrency 16", async () => {
    const [a, b] = await Promise.all([grantedUser(), grantedUser()]);
    const results = await pool(1000, 16, (i) => (i % 2 === 0 ? transfer(a, b.id, 3) : transfer(b, a.id, 3)));
    const failures = results.filter((r) => r.errors.length > 0);
    // Each side starts with 100, so no interleaving can run either dry.
    expect(failures).toEqual([]);
    expect(await accountOf(a)).toEqual({ balance: 100, held: 0, available: 100 });
    expect(await accountOf(b)).toEqual({ balance: 100, held: 0, available: 100 });
  }, 120_000); // a thousand transfers: on a loaded 2-core machine they can take more than the default 30 s

  it("resolves a hold once when settle and release race", async () => {
    const [payer, payee] = await Promise.all([fundedUser(), fundedUser()]);
    const keys = Array.from({ length: 10 }, () => ({ tradeId: randomUUID(), amount: 10 }));
    for (const k of keys) {
      const outcome = await placeHold({ holdKey: `trade:${k.tradeId}:proposer`, tradeId: k.tradeId, payerId: payer.id, payeeId: payee.id, amount: k.amount });
      expect(outcome.ok).toBe(true);
    }
    const races = await Promise.all(
      keys.map(async (k) => {
        const key = `trade:${k.tradeId}:proposer`;
        const [settled, released] = await Promise.all([settleHold(key), releaseHold(key)]);
        expect([settled.ok, released.ok].filter(Boolean)).toHaveLength(1);
        const loser = settled.ok ? released : settled;
        expect(loser.code).toBe(settled.ok ? "HOLD_ALREADY_SETTLED" : "HOLD_ALREADY_RELEASED");
        return settled.ok ? "settled" : "released";
      }),
    );
    const settled = races.filter((r) => r === "settled").length;
    expect(await accountOf(payer)).toEqual({ balance: 100 - 10 * settled, held: 0, available: 100 - 10 * settled });
    expect(await accountOf(payee)).toMatchObject({ balance: 100 + 10 * settled });
  });

  it("keeps the books reconciled while transfers and holds race, checked during and after", async () => {
    const [a, b, c] = await Promise.all([grantedUser(), grantedUser(), grantedUser()]);
    const users = [a, b, c];
    const admin = await adminClient();
    // Each moves at most 2 credits from a member who starts with 100: none can run dry.
    const work = pool(90, 8, async (i): Promise<string> => {
      const from = users[i % 3]!;
      const to = users[(i + 1) % 3]!;
      if (i % 5 !== 0) return (await transfer(from, to.id, 1 + (i % 2))).errors[0]?.code ?? "ok";
      const tradeId = randomUUID();
      const key = `trade:${tradeId}:proposer`;
      const held = await placeHold({ holdKey: key, tradeId, payerId: from.id, payeeId: to.id, amount: 2 });
      if (!held.ok) return held.code ?? "hold refused";
      const resolved = i % 2 === 0 ? await settleHold(key) : await releaseHold(key);
      return resolved.ok ? "ok" : (resolved.code ?? "hold not resolved");
    });
    const during = admin.data(RECONCILIATION);
    const outcomes = await work;
    expect(outcomes.filter((o) => o !== "ok")).toEqual([]);
    for (const { ledgerReconciliation } of [await during, await admin.data(RECONCILIATION)]) {
      expect(ledgerReconciliation).toMatchObject({ differences: [], transfersUnbalanced: 0 });
    }
    const total = (await Promise.all(users.map(accountOf))).reduce((sum, acc) => sum + acc.balance, 0);
    expect(total).toBe(300); // credits only moved between the three
  });
});
