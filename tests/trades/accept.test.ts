import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { registerUser } from "../harness/client.ts";
import { eventually } from "../harness/eventually.ts";
import { accept, adminClient, balances, COUNTER, database, GRANT, listingStatus, mutate, proposed, recoverTrades, tradeAs, twoTraders } from "./helpers.ts";

describe("acceptTrade", () => {
  it("is for the party whose turn it is", async () => {
    const { ann, bob, bobListings } = await twoTraders();
    const carl = await registerUser();
    const trade = await proposed(ann, { recipientId: bob.id, requestedListingIds: bobListings });
    expect((await accept(ann, trade.id)).errors).toEqual([expect.objectContaining({ code: "NOT_YOUR_TURN", field: "id" })]);
    expect(await accept(carl, trade.id)).toEqual({ trade: null, errors: [expect.objectContaining({ code: "FORBIDDEN" })] });
    expect((await accept(bob, randomUUID())).errors).toEqual([expect.objectContaining({ code: "NOT_FOUND" })]);
    expect((await accept(bob, trade.id, "")).errors).toEqual([expect.objectContaining({ field: "idempotencyKey" })]);

    // After a counter-offer, the proposer accepts.
    await mutate(bob, COUNTER, { id: trade.id, input: { offeredCredits: 10 } });
    const accepted = await accept(ann, trade.id);
    expect(accepted.trade).toMatchObject({ status: "ACCEPTED", offeredCredits: 10 });
    expect((await balances(ann))[0]).toMatchObject({ held: 10 });
  });

  it("holds nothing and reserves nothing when a side lacks the credits, and says which", async () => {
    const { ann, bob, annListings, bobListings } = await twoTraders();
    const trade = await proposed(ann, {
      recipientId: bob.id,
      offeredListingIds: annListings,
      requestedListingIds: bobListings,
      offeredCredits: 30,
      requestedCredits: 150,
    });
    const key = randomUUID();
    const failed = await accept(bob, trade.id, key);
    expect(failed.errors).toEqual([expect.objectContaining({ code: "INSUFFICIENT_FUNDS", field: "requestedCredits" })]);
    expect(failed.trade).toMatchObject({ status: "PROPOSED", pending: false, turn: { id: bob.id } });
    expect(await balances(ann, bob)).toEqual([
      { balance: 100, held: 0, available: 100 },
      { balance: 100, held: 0, available: 100 },
    ]);
    expect(await listingStatus(ann, annListings[0]!)).toBe("ACTIVE");
    expect(await listingStatus(bob, bobListings[0]!)).toBe("ACTIVE");
    expect((await tradeAs(ann, trade.id))!.events.map((e) => e.kind)).toEqual(["PROPOSED", "ACCEPT_FAILED"]);

    // The same key answers the same, even once the credits are there.
    const admin = await adminClient();
    await admin.data(GRANT, { userId: bob.id, amount: 100, memo: "top-up", key: randomUUID() });
    expect((await accept(bob, trade.id, key)).errors).toEqual([expect.objectContaining({ code: "INSUFFICIENT_FUNDS" })]);
    // A new click goes through, with fresh holds.
    const accepted = await accept(bob, trade.id);
    expect(accepted.errors).toEqual([]);
    expect(accepted.trade!.status).toBe("ACCEPTED");
    expect(await balances(ann, bob)).toEqual([
      { balance: 100, held: 30, available: 70 },
      { balance: 200, held: 150, available: 50 },
    ]);
  });

  it("holds nothing when a listing is no longer available", async () => {
    const { ann, bob, annListings, bobListings } = await twoTraders();
    const trade = await proposed(ann, {
      recipientId: bob.id,
      offeredListingIds: annListings,
      requestedListingIds: bobListings,
      offeredCredits: 20,
    });
    await bob.client.data(`mutation ($id: ID!) { archiveListing(id: $id) { errors { code } } }`, { id: bobListings[0] });
    const failed = await accept(bob, trade.id);
    expect(failed.errors).toEqual([expect.objectContaining({ code: "LISTING_UNAVAILABLE", field: "requestedListings" })]);
    expect(await listingStatus(ann, annListings[0]!)).toBe("ACTIVE");
    expect((await balances(ann))[0]).toMatchObject({ held: 0 });
  });

  it("replays a successful key with the same trade and no errors", async () => {
    const { ann, bob, bobListings } = await twoTraders();
    const trade = await proposed(ann, { recipientId: bob.id, requestedListingIds: bobListings, offeredCredits: 7 });
    const key = randomUUID();
    expect((await accept(bob, trade.id, key)).errors).toEqual([]);
    const replay = await accept(bob, trade.id, key);
    expect(replay).toMatchObject({ trade: { id: trade.id, status: "ACCEPTED" }, errors: [] });
    const other = await accept(bob, trade.id);
    expect(other.errors).toEqual([expect.objectContaining({ code: "INVALID_STATE" })]);
    expect((await balances(ann))[0]).toMatchObject({ held: 7 });
  });
});

describe("expiry", () => {
  it("expires open trades past their time and refuses to accept them", async () => {
    const { ann, bob, bobListings } = await twoTraders();
    const a = await proposed(ann, { recipientId: bob.id, requestedListingIds: bobListings, offeredCredits: 5 });
    const b = await proposed(ann, { recipientId: bob.id, offeredCredits: 6 });
    const c = await proposed(ann, { recipientId: bob.id, offeredCredits: 7 });
    expect(new Date(String(a.expiresAt)).getTime()).toBeGreaterThan(Date.now() + 6.9 * 86_400_000);
    // Time passes for a and b only.
    await database()`update trades.trades set expires_at = now() - interval '1 second' where id in ${database()([a.id, b.id])}`;

    const late = await accept(bob, a.id);
    expect(late.errors).toEqual([expect.objectContaining({ code: "TRADE_EXPIRED" })]);
    expect(late.trade!.status).toBe("EXPIRED");
    // The sweep (run now rather than waiting for the periodic one) expires the other.
    await recoverTrades();
    const expired = await tradeAs(ann, b.id);
    expect(expired).toMatchObject({ status: "EXPIRED", turn: null });
    expect(expired!.events.at(-1)).toMatchObject({ kind: "EXPIRED", actor: null });
    expect((await tradeAs(ann, c.id))!.status).toBe("PROPOSED");
    expect(await listingStatus(bob, bobListings[0]!)).toBe("ACTIVE");
  });

  it("expires a trade by the job scheduled for its expiresAt (the periodic sweep is off in tests)", async () => {
    const { ann, bob } = await twoTraders(0);
    const trade = await proposed(ann, { recipientId: bob.id, offeredCredits: 4 });
    // Time passes: the trade's clock and its job's both move to now.
    const sql = database();
    await sql`update trades.trades set expires_at = now() where id = ${trade.id}`;
    const moved = await sql`update graphile_worker._private_jobs set run_at = now() where key = ${`trade-expiry:${trade.id}`} returning id`;
    expect(moved).toHaveLength(1);
    await eventually(
      "the trade expired",
      async () => (await tradeAs(ann, trade.id))!.status,
      (status) => status === "EXPIRED",
      15_000,
    );
    expect(await tradeAs(bob, trade.id)).toMatchObject({ status: "EXPIRED" });
    // The job did it, and is done: its completion is written a moment after the trade's change.
    const left = async () => (await sql`select 1 from graphile_worker._private_jobs where key = ${`trade-expiry:${trade.id}`}`).length;
    expect(await eventually("the expiry job's completion", left, (n) => n === 0, 5_000)).toBe(0);
  });
});
