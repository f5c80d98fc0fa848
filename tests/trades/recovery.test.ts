import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { disagreements } from "./consistency.ts";
import { clearFaults, installFaults } from "./faults.ts";
import { accept, balances, CONFIRM, listingStatus, mutate, recoverTrades, swapTrade, tradeAs } from "./helpers.ts";

async function pair() {
  const { ann, bob, annListings, bobListings, trade } = await swapTrade();
  return { ann, bob, annListings, bobListings, id: trade.id };
}

// The chosen steps fail with an error no subgraph retries (`fault: "error"`), so each case goes
// straight to what recovery does with a trade left half-way. Failing them as lost connections
// instead made each case wait out every service's own retries (12 attempts, up to 1 s apart, and
// trades calling the ledger 3 times): 25 s for the last case, to show nothing more. How the
// services ride out lost connections is faults.test.ts's and connection-kills.test.ts's subject.
describe("recovery of a trade left between steps", { timeout: 120_000 }, () => {
  it("finishes an accept whose steps were all done but whose end was never recorded", async () => {
    const { ann, bob, annListings, id } = await pair();
    await installFaults([id], { ledger: 0, listings: 0, trades: 0, finish: 1, fault: "error" });
    const key = randomUUID();
    try {
      const res = await bob.client.request<{ acceptTrade: { errors: { code: string }[] } }>(
        `mutation ($id: ID!, $key: String!) { acceptTrade(id: $id, idempotencyKey: $key) { errors { code } } }`,
        { id, key },
      );
      expect(res.errors?.[0]?.extensions?.code ?? res.data?.acceptTrade.errors[0]?.code).toBeDefined();
      // Half-way: the holds and reservations are in place, the trade still says PROPOSED, pending.
      expect(await tradeAs(ann, id)).toMatchObject({ status: "PROPOSED", pending: true });
      expect(await balances(ann, bob)).toEqual([
        { balance: 100, held: 30, available: 70 },
        { balance: 100, held: 10, available: 90 },
      ]);
    } finally {
      await clearFaults([id]);
    }
    expect(await recoverTrades()).toMatchObject({ pending: 0 });
    expect(await tradeAs(ann, id)).toMatchObject({ status: "ACCEPTED", pending: false });
    expect(await listingStatus(ann, annListings[0]!)).toBe("RESERVED");
    expect(await disagreements([id])).toEqual([]);
    // The click's key now answers with the accepted trade, and moves nothing.
    expect((await accept(bob, id, key)).errors).toEqual([]);
    expect((await balances(ann))[0]).toMatchObject({ held: 30 });
  });

  it("finishes a completion whose holds were settled but whose end was never recorded", async () => {
    const { ann, bob, bobListings, id } = await pair();
    expect((await accept(bob, id)).errors).toEqual([]);
    await mutate(ann, CONFIRM, { id });
    await installFaults([id], { ledger: 0, listings: 0, trades: 0, finish: 1, fault: "error" });
    try {
      await bob.client.request(`mutation ($id: ID!) { confirmTradeCompletion(id: $id) { errors { code } } }`, { id });
      expect(await tradeAs(bob, id)).toMatchObject({ status: "ACCEPTED", pending: true });
    } finally {
      await clearFaults([id]);
    }
    await recoverTrades();
    expect(await tradeAs(bob, id)).toMatchObject({ status: "COMPLETED", pending: false });
    expect(await listingStatus(bob, bobListings[0]!)).toBe("TRADED");
    expect(await balances(ann, bob)).toEqual([
      { balance: 80, held: 0, available: 80 },
      { balance: 120, held: 0, available: 120 },
    ]);
    expect(await disagreements([id])).toEqual([]);
  });

  it("undoes an accept whose ledger never answered, once the ledger is back", async () => {
    const { ann, bob, annListings, id } = await pair();
    // The ledger fails every write, and trades cannot record the undo either: everything is left half-way.
    await installFaults([id], { ledger: 1, listings: 0, trades: 0, finish: 1, fault: "error" });
    try {
      await bob.client.request(`mutation ($id: ID!) { acceptTrade(id: $id, idempotencyKey: "k") { errors { code } } }`, { id });
      expect(await listingStatus(ann, annListings[0]!)).toBe("ACTIVE");
      expect(await tradeAs(ann, id)).toMatchObject({ status: "PROPOSED", pending: true });
    } finally {
      await clearFaults([id]);
    }
    await recoverTrades();
    const trade = await tradeAs(ann, id);
    expect(trade).toMatchObject({ status: "PROPOSED", pending: false });
    expect(trade!.events.at(-1)).toMatchObject({ kind: "ACCEPT_FAILED" });
    expect(await disagreements([id])).toEqual([]);
    // A new click goes through.
    expect((await accept(bob, id)).trade).toMatchObject({ status: "ACCEPTED" });
    expect(await disagreements([id])).toEqual([]);
  });
});
