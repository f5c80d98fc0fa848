import { describe, expect, it } from "vitest";
import { registerUser } from "../harness/client.ts";
import {
  accept,
  adminClient,
  balances,
  CANCEL,
  CONFIRM,
  COUNTER,
  DECLINE,
  DISPUTE,
  FEEDBACK,
  listingStatus,
  mutate,
  proposed,
  RESOLVE,
  twoTraders,
} from "./helpers.ts";

async function acceptedTrade(credits = { offeredCredits: 20, requestedCredits: 10 }) {
  const { ann, bob, annListings, bobListings } = await twoTraders();
  const trade = await proposed(ann, { recipientId: bob.id, offeredListingIds: annListings, requestedListingIds: bobListings, ...credits });
  const accepted = await accept(bob, trade.id);
  expect(accepted.errors).toEqual([]);
  return { ann, bob, annListings, bobListings, id: trade.id };
}

describe("after acceptance", () => {
  it("cancelling releases the holds and frees the listings", async () => {
    const { ann, bob, annListings, bobListings, id } = await acceptedTrade();
    expect((await mutate(bob, CANCEL, { id })).errors).toEqual([expect.objectContaining({ code: "FORBIDDEN" })]);
    const cancelled = await mutate(ann, CANCEL, { id });
    expect(cancelled.errors).toEqual([]);
    expect(cancelled.trade).toMatchObject({ status: "CANCELLED", pending: false });
    expect(await balances(ann, bob)).toEqual([
      { balance: 100, held: 0, available: 100 },
      { balance: 100, held: 0, available: 100 },
    ]);
    expect(await listingStatus(ann, annListings[0]!)).toBe("ACTIVE");
    expect(await listingStatus(bob, bobListings[0]!)).toBe("ACTIVE");
    expect(cancelled.trade!.events.map((e) => e.kind)).toEqual(["PROPOSED", "ACCEPTED", "CANCELLED"]);
  });

  it("confirms once per party, and refuses cancelling once someone confirmed", async () => {
    const { ann, bob, id } = await acceptedTrade();
    const carl = await registerUser();
    expect((await mutate(carl, CONFIRM, { id })).errors).toEqual([expect.objectContaining({ code: "FORBIDDEN" })]);
    expect((await mutate(ann, CONFIRM, { id })).errors).toEqual([]);
    expect((await mutate(ann, CONFIRM, { id })).errors).toEqual([expect.objectContaining({ code: "ALREADY_CONFIRMED" })]);
    expect((await mutate(ann, CANCEL, { id })).errors).toEqual([expect.objectContaining({ code: "INVALID_STATE" })]);
    expect((await mutate(ann, FEEDBACK, { tradeId: id, rating: 5 })).errors).toEqual([expect.objectContaining({ code: "INVALID_STATE", field: "tradeId" })]);
    const done = await mutate(bob, CONFIRM, { id });
    expect(done.trade!.status).toBe("COMPLETED");
    expect((await mutate(bob, CONFIRM, { id })).errors).toEqual([expect.objectContaining({ code: "INVALID_STATE" })]);
  });

  it("refuses outsiders and negotiating moves once accepted", async () => {
    const { ann, bob, id } = await acceptedTrade();
    const carl = await registerUser();
    for (const [query, variables] of [
      [DISPUTE, { id, reason: "Not mine" }],
      [CANCEL, { id }],
      [DECLINE, { id }],
    ] as const) {
      expect(await mutate(carl, query, variables)).toEqual({ trade: null, errors: [expect.objectContaining({ code: "FORBIDDEN" })] });
    }
    expect((await mutate(bob, DECLINE, { id })).errors).toEqual([expect.objectContaining({ code: "INVALID_STATE" })]);
    expect((await mutate(ann, COUNTER, { id, input: { offeredCredits: 1 } })).errors).toEqual([expect.objectContaining({ code: "INVALID_STATE" })]);
    expect((await mutate(ann, FEEDBACK, { tradeId: "not-a-trade", rating: 3 })).errors).toEqual([
      expect.objectContaining({ code: "NOT_FOUND", field: "tradeId" }),
    ]);
  });

  it("refuses confirming a trade that is not accepted", async () => {
    const { ann, bob } = await twoTraders(0);
    const trade = await proposed(ann, { recipientId: bob.id, offeredCredits: 1 });
    expect((await mutate(ann, CONFIRM, { id: trade.id })).errors).toEqual([expect.objectContaining({ code: "INVALID_STATE" })]);
    expect((await mutate(ann, DISPUTE, { id: trade.id, reason: "?" })).errors).toEqual([expect.objectContaining({ code: "INVALID_STATE" })]);
  });
});

describe("disputes", () => {
  it("an admin resolving as COMPLETE settles the escrow and hands the listings over", async () => {
    const { ann, bob, annListings, bobListings, id } = await acceptedTrade();
    const admin = await adminClient();
    expect((await mutate(ann, DISPUTE, { id, reason: "  " })).errors).toEqual([expect.objectContaining({ field: "reason" })]);
    const disputed = await mutate(ann, DISPUTE, { id, reason: "The lamp does not work" });
    expect(disputed.trade).toMatchObject({ status: "DISPUTED", disputeReason: "The lamp does not work" });
    expect((await mutate(ann, CONFIRM, { id })).errors).toEqual([expect.objectContaining({ code: "INVALID_STATE" })]);
    expect((await mutate(bob, RESOLVE, { id, outcome: "COMPLETE" })).errors).toEqual([expect.objectContaining({ code: "FORBIDDEN" })]);

    const resolved = await mutate({ client: admin }, RESOLVE, { id, outcome: "COMPLETE" });
    expect(resolved.errors).toEqual([]);
    expect(resolved.trade).toMatchObject({ status: "RESOLVED", resolution: "COMPLETE", pending: false });
    expect(await balances(ann, bob)).toEqual([
      { balance: 90, held: 0, available: 90 },
      { balance: 110, held: 0, available: 110 },
    ]);
    expect(await listingStatus(ann, annListings[0]!)).toBe("TRADED");
    expect(await listingStatus(bob, bobListings[0]!)).toBe("TRADED");
    expect((await mutate(bob, FEEDBACK, { tradeId: id, rating: 2, comment: "Slow" })).errors).toEqual([]);
    const { user } = await bob.client.data(`query ($id: ID!) { user(id: $id) { rating completedTrades } }`, { id: ann.id });
    expect(user).toEqual({ rating: 2, completedTrades: 1 });
    expect((await mutate({ client: admin }, RESOLVE, { id, outcome: "CANCEL" })).errors).toEqual([expect.objectContaining({ code: "INVALID_STATE" })]);
  });

  it("an admin resolving as CANCEL gives everything back", async () => {
    const { ann, bob, annListings, id } = await acceptedTrade();
    await mutate(bob, DISPUTE, { id, reason: "Never showed up" });
    const resolved = await mutate({ client: await adminClient() }, RESOLVE, { id, outcome: "CANCEL" });
    expect(resolved.trade).toMatchObject({ status: "RESOLVED", resolution: "CANCEL" });
    expect(resolved.trade!.events.at(-1)).toMatchObject({ kind: "RESOLVED", note: "CANCEL" });
    expect(await balances(ann, bob)).toEqual([
      { balance: 100, held: 0, available: 100 },
      { balance: 100, held: 0, available: 100 },
    ]);
    expect(await listingStatus(ann, annListings[0]!)).toBe("ACTIVE");
    expect((await mutate(ann, FEEDBACK, { tradeId: id, rating: 1 })).errors).toEqual([expect.objectContaining({ code: "INVALID_STATE" })]);
  });
});

describe("feedback", () => {
  it("is checked: rating 1 to 5, parties only", async () => {
    const { ann, bob, id } = await acceptedTrade({ offeredCredits: 1, requestedCredits: 0 });
    await mutate(ann, CONFIRM, { id });
    await mutate(bob, CONFIRM, { id });
    const carl = await registerUser();
    expect((await mutate(ann, FEEDBACK, { tradeId: id, rating: 6 })).errors).toEqual([expect.objectContaining({ field: "rating" })]);
    expect((await mutate(ann, FEEDBACK, { tradeId: id, rating: 0 })).errors).toEqual([expect.objectContaining({ field: "rating" })]);
    expect((await mutate(carl, FEEDBACK, { tradeId: id, rating: 3 })).errors).toEqual([expect.objectContaining({ code: "FORBIDDEN" })]);
    expect((await mutate(ann, FEEDBACK, { tradeId: id, rating: 5, comment: "x".repeat(1001) })).errors).toEqual([
      expect.objectContaining({ field: "comment" }),
    ]);
    const { user } = await carl.client.data(`query ($id: ID!) { user(id: $id) { rating completedTrades } }`, { id: bob.id });
    expect(user).toEqual({ rating: null, completedTrades: 1 });
  });
});
