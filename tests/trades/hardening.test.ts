// Trades and listings that never disagree, as the parties see them through the gateway: a listing
// in an accepted trade cannot be archived or edited; settlement stops (and flags the trade) rather
// than half-settle; the listings' terms are recorded as offered; escrow is never held forever; and
// every list and text a trade takes is capped.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { TestUser } from "../harness/client.ts";
import { releaseHold } from "../ledger/helpers.ts";
import { disagreements } from "./consistency.ts";
import {
  accept,
  adminClient,
  balances,
  CONFIRM,
  COUNTER,
  database,
  DISPUTE,
  FEEDBACK,
  listingStatus,
  mutate,
  propose,
  proposed,
  recoverTrades,
  RESOLVE,
  swapTrade,
  tradeAs,
  twoTraders,
} from "./helpers.ts";

const ARCHIVE = `mutation ($id: ID!) { archiveListing(id: $id) { listing { status } errors { code message field } } }`;
const UPDATE = `mutation ($id: ID!, $input: UpdateListingInput!) { updateListing(id: $id, input: $input) { listing { title } errors { code message field } } }`;
const LINES = `query ($id: ID!) { trade(id: $id) {
  listingsChangedSinceProposed
  offeredListingLines { title condition creditPrice snapshotAt changedSinceProposed listing { id title condition creditPrice } }
  requestedListingLines { title condition creditPrice changedSinceProposed listing { id title } } } }`;
const DEADLINE = `query ($id: ID!) { trade(id: $id) { status confirmBy disputeReason events { kind actor { id } note } } }`;
const INBOX = `{ notifications(first: 50) { edges { node { kind trade { id } } } } }`;
type FieldErrors = { code: string; message: string; field: string | null }[];
type Updated = { updateListing: { listing: { title: string } | null; errors: FieldErrors } };
type Line = { title: string; condition: string; creditPrice: number | null; changedSinceProposed: boolean };
type Lines = {
  trade: {
    listingsChangedSinceProposed: boolean;
    offeredListingLines: (Line & { snapshotAt: string; listing: { id: string; title: string; condition: string; creditPrice: number | null } | null })[];
    requestedListingLines: (Line & { listing: { id: string; title: string } | null })[];
  };
};
type Deadline = {
  trade: { status: string; confirmBy: string; disputeReason: string | null; events: { kind: string; actor: { id: string } | null; note: string | null }[] };
};

async function untilNotified(user: TestUser, kind: string, tradeId: string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    const { notifications } = await user.client.data<{ notifications: { edges: { node: { kind: string; trade: { id: string } | null } }[] } }>(INBOX);
    if (notifications.edges.some((e) => e.node.kind === kind && e.node.trade?.id === tradeId)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no ${kind} notification of ${tradeId} reached ${user.id}`);
}

async function acceptedSwap() {
  const swap = await swapTrade();
  expect((await accept(swap.bob, swap.trade.id)).errors).toEqual([]);
  return { ...swap, id: swap.trade.id };
}

describe("listings in an accepted trade", () => {
  it("cannot be archived or edited, and the trade then completes with every item and credit", async () => {
    const { ann, bob, annListings, bobListings, id } = await acceptedSwap();
    const archived = (await ann.client.data(ARCHIVE, { id: annListings[0] })).archiveListing;
    expect(archived).toEqual({
      listing: null,
      errors: [{ code: "LISTING_LOCKED", field: "id", message: expect.stringMatching(/reserved for an accepted trade/) }],
    });
    const edited = (await bob.client.data<Updated>(UPDATE, { id: bobListings[0], input: { title: "Swapped for a brick" } })).updateListing;
    expect(edited.errors).toEqual([expect.objectContaining({ code: "LISTING_LOCKED", field: "id" })]);
    expect(await listingStatus(ann, annListings[0]!)).toBe("RESERVED");

    expect((await mutate(ann, CONFIRM, { id })).errors).toEqual([]);
    const done = await mutate(bob, CONFIRM, { id });
    expect(done).toMatchObject({ errors: [], trade: { status: "COMPLETED" } });
    expect(await listingStatus(ann, annListings[0]!)).toBe("TRADED");
    expect(await listingStatus(bob, bobListings[0]!)).toBe("TRADED");
    expect(await disagreements([id])).toEqual([]);
  });
});

describe("settlement that finds something no longer in place", () => {
  it("stops before moving anything when a listing is no longer reserved, and flags the trade for both", async () => {
    const { ann, bob, annListings, bobListings, id } = await acceptedSwap();
    // A listing taken out of the trade behind its back (as archiving could, before it was refused).
    await database()`update listings.listings set status = 'ARCHIVED', trade_id = null where id = ${annListings[0]!}`;
    expect((await mutate(ann, CONFIRM, { id })).errors).toEqual([]);
    const stopped = await mutate(bob, CONFIRM, { id });
    expect(stopped.errors).toEqual([{ code: "SETTLEMENT_STOPPED", field: "id", message: expect.stringContaining(annListings[0]!) }]);
    expect(stopped.trade).toMatchObject({ status: "DISPUTED", pending: false, disputeReason: expect.stringMatching(/before anything moved/) });
    expect(stopped.trade!.events.at(-1)).toMatchObject({ kind: "DISPUTED", actor: null });

    // Nothing moved: both holds still held, Bob's listing still reserved.
    expect(await balances(ann, bob)).toEqual([
      { balance: 100, held: 30, available: 70 },
      { balance: 100, held: 10, available: 90 },
    ]);
    expect(await listingStatus(bob, bobListings[0]!)).toBe("RESERVED");
    await Promise.all([untilNotified(ann, "TRADE_DISPUTED", id), untilNotified(bob, "TRADE_DISPUTED", id)]);

    // An administrator can give everything back.
    const admin = { client: await adminClient() };
    const resolved = await mutate(admin, RESOLVE, { id, outcome: "CANCEL" });
    expect(resolved).toMatchObject({ errors: [], trade: { status: "RESOLVED", resolution: "CANCEL" } });
    expect(await balances(ann, bob)).toEqual([
      { balance: 100, held: 0, available: 100 },
      { balance: 100, held: 0, available: 100 },
    ]);
    expect(await listingStatus(bob, bobListings[0]!)).toBe("ACTIVE");
  });

  it("stops at a hold that does not settle, moving neither the other hold nor the listings", async () => {
    const { ann, bob, annListings, bobListings, id } = await acceptedSwap();
    // The proposer's hold is no longer there to settle (released behind the trade's back).
    expect((await releaseHold(`trade:${id}:proposer`)).ok).toBe(true);
    await mutate(ann, CONFIRM, { id });
    const stopped = await mutate(bob, CONFIRM, { id });
    expect(stopped.errors).toEqual([expect.objectContaining({ code: "SETTLEMENT_STOPPED" })]);
    expect(stopped.trade).toMatchObject({ status: "DISPUTED", disputeReason: expect.stringMatching(/HOLD_ALREADY_RELEASED/) });
    // Bob's credits still held (not paid to Ann), both listings still reserved.
    expect(await balances(ann, bob)).toEqual([
      { balance: 100, held: 0, available: 100 },
      { balance: 100, held: 10, available: 90 },
    ]);
    expect(await listingStatus(ann, annListings[0]!)).toBe("RESERVED");
    expect(await listingStatus(bob, bobListings[0]!)).toBe("RESERVED");
    // An admin resolving it as COMPLETE meets the same stop, and says so; nothing moves.
    const admin = { client: await adminClient() };
    const again = await mutate(admin, RESOLVE, { id, outcome: "COMPLETE" });
    expect(again).toMatchObject({ trade: { status: "DISPUTED" }, errors: [expect.objectContaining({ code: "SETTLEMENT_STOPPED" })] });
    expect((await balances(bob))[0]).toEqual({ balance: 100, held: 10, available: 90 });
  });
});

describe("what was offered", () => {
  it("records the listings' title, condition and price, and shows the other party when they change", async () => {
    const { ann, bob, annListings, bobListings } = await twoTraders();
    const trade = await proposed(ann, { recipientId: bob.id, offeredListingIds: annListings, requestedListingIds: bobListings });
    const before = (await bob.client.data<Lines>(LINES, { id: trade.id })).trade;
    expect(before.listingsChangedSinceProposed).toBe(false);
    expect(before.offeredListingLines).toEqual([
      {
        title: "Oak dining table",
        condition: "GOOD",
        creditPrice: 40,
        snapshotAt: expect.any(String),
        changedSinceProposed: false,
        listing: { id: annListings[0], title: "Oak dining table", condition: "GOOD", creditPrice: 40 },
      },
    ]);

    // Ann edits her listing after proposing: Bob sees what was offered, what it is now, and that it changed.
    const edited = (await ann.client.data<Updated>(UPDATE, { id: annListings[0], input: { title: "Pine dining table", condition: "POOR" } })).updateListing;
    expect(edited.errors).toEqual([]);
    const after = (await bob.client.data<Lines>(LINES, { id: trade.id })).trade;
    expect(after.listingsChangedSinceProposed).toBe(true);
    expect(after.offeredListingLines[0]).toMatchObject({
      title: "Oak dining table",
      condition: "GOOD",
      changedSinceProposed: true,
      listing: { title: "Pine dining table", condition: "POOR" },
    });
    expect(after.requestedListingLines[0]).toMatchObject({ changedSinceProposed: false });

    // A counter-offer is made on the listings as they are now: the snapshot is taken again.
    const countered = await mutate(bob, COUNTER, { id: trade.id, input: { offeredCredits: 5 } });
    expect(countered.errors).toEqual([]);
    const recounted = (await ann.client.data<Lines>(LINES, { id: trade.id })).trade;
    expect(recounted.listingsChangedSinceProposed).toBe(false);
    expect(recounted.offeredListingLines[0]).toMatchObject({ title: "Pine dining table", condition: "POOR", changedSinceProposed: false });
  });
});

describe("the confirmation deadline", () => {
  it("moves an ACCEPTED trade nobody confirmed in time to DISPUTED, escrow still held, and tells both parties", async () => {
    const { ann, bob, annListings, id } = await acceptedSwap();
    const { trade } = await ann.client.data<Deadline>(DEADLINE, { id });
    // 14 days by default (TRADE_CONFIRMATION_DAYS).
    expect(new Date(trade.confirmBy).getTime()).toBeGreaterThan(Date.now() + 13.9 * 86_400_000);
    expect(new Date(trade.confirmBy).getTime()).toBeLessThan(Date.now() + 14.1 * 86_400_000);

    await mutate(ann, CONFIRM, { id }); // one confirmation is not enough
    await database()`update trades.trades set confirm_by = now() - interval '1 second' where id = ${id}`;
    const report = await recoverTrades();
    expect(report).toMatchObject({ pending: 0 });

    const overdue = (await bob.client.data<Deadline>(DEADLINE, { id })).trade;
    expect(overdue).toMatchObject({ status: "DISPUTED", disputeReason: expect.stringMatching(/Not confirmed by both parties in time/) });
    expect(overdue.events.at(-1)).toMatchObject({ kind: "DISPUTED", actor: null });
    expect((await mutate(bob, CONFIRM, { id })).errors).toEqual([expect.objectContaining({ code: "INVALID_STATE" })]);
    expect(await balances(ann, bob)).toEqual([
      { balance: 100, held: 30, available: 70 },
      { balance: 100, held: 10, available: 90 },
    ]);
    expect(await listingStatus(ann, annListings[0]!)).toBe("RESERVED");
    expect(await disagreements([id])).toEqual([]);
    await Promise.all([untilNotified(ann, "TRADE_DISPUTED", id), untilNotified(bob, "TRADE_DISPUTED", id)]);
    // Sweeping again changes nothing more.
    await recoverTrades();
    expect((await bob.client.data<{ trade: { events: { kind: string }[] } }>(DEADLINE, { id })).trade.events.filter((e) => e.kind === "DISPUTED")).toHaveLength(
      1,
    );
  });
});

describe("input limits", () => {
  it("caps listing lists and checks every text of a trade, as data naming the field", async () => {
    const { ann, bob, annListings, bobListings } = await twoTraders();
    const many = Array.from({ length: 21 }, () => randomUUID());
    const cases: [Record<string, unknown>, string][] = [
      [{ offeredListingIds: many }, "input.offeredListingIds"],
      [{ requestedListingIds: many }, "input.requestedListingIds"],
      [{ offeredCredits: 1, message: "x".repeat(1001) }, "input.message"],
      [{ offeredCredits: 1, message: "Hi\u0000there" }, "input.message"],
      [{ offeredCredits: 1, message: "Hi \u202etxt.exe" }, "input.message"],
    ];
    for (const [terms, field] of cases) {
      const payload = await propose(ann, { recipientId: bob.id, ...terms });
      expect(payload, field).toEqual({ trade: null, errors: [expect.objectContaining({ code: "INVALID_INPUT", field })] });
    }
    for (const key of ["key\u0000", "k".repeat(201), " "]) {
      expect((await propose(ann, { recipientId: bob.id, offeredCredits: 1 }, key)).errors).toEqual([
        expect.objectContaining({ code: "INVALID_INPUT", field: "idempotencyKey" }),
      ]);
    }
    // A message may keep its line breaks.
    const trade = await proposed(ann, {
      recipientId: bob.id,
      offeredListingIds: annListings,
      requestedListingIds: bobListings,
      message: "Hello Bob,\n\tswap?",
    });
    expect(trade.message).toBe("Hello Bob,\n\tswap?");
    expect((await mutate(bob, COUNTER, { id: trade.id, input: { message: "No\u0007" } })).errors).toEqual([
      expect.objectContaining({ code: "INVALID_INPUT", field: "input.message" }),
    ]);
    expect((await mutate(bob, COUNTER, { id: trade.id, input: { requestedListingIds: many } })).errors).toEqual([
      expect.objectContaining({ code: "INVALID_INPUT", field: "input.requestedListingIds" }),
    ]);
    expect((await accept(bob, trade.id, "key\u200b")).errors).toEqual([expect.objectContaining({ code: "INVALID_INPUT", field: "idempotencyKey" })]);

    expect((await accept(bob, trade.id)).errors).toEqual([]);
    for (const reason of ["x".repeat(1001), "Broken\u0000", "\u202e"]) {
      expect((await mutate(ann, DISPUTE, { id: trade.id, reason })).errors).toEqual([expect.objectContaining({ code: "INVALID_INPUT", field: "reason" })]);
    }
    expect((await tradeAs(ann, trade.id))!.status).toBe("ACCEPTED");
    expect((await mutate(ann, DISPUTE, { id: trade.id, reason: "It was not as described.\nThe legs are missing." })).errors).toEqual([]);
    for (const comment of ["x".repeat(1001), "Great\u0000", "ok \u2066"]) {
      expect((await mutate(ann, FEEDBACK, { tradeId: trade.id, rating: 4, comment })).errors).toEqual([
        expect.objectContaining({ code: "INVALID_INPUT", field: "comment" }),
      ]);
    }
  });
});
