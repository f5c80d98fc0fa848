// A listing moderation hid cannot enter a new trade (issue 23; docs/listings.md#moderation), and a
// trade that already names or holds it keeps working. identity's jobs are enqueued as identity would.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signInAdmin } from "../harness/client.ts";
import { accept, CONFIRM, mutate, propose, proposed, tradeAs, twoTraders } from "../trades/helpers.ts";
import { asService, newTradeId } from "./helpers.ts";
import { setSuspended, takeDown } from "./moderation-helpers.ts";

const RESTORE = `mutation ($id: ID!) { restoreListing(id: $id) { errors { code } } }`;
const RESERVE = `mutation ($tradeId: ID!, $ids: [ID!]!) { reserveListingsForTrade(tradeId: $tradeId, listingIds: $ids) { ok unavailableListingIds } }`;
type Reserved = { reserveListingsForTrade: { ok: boolean; unavailableListingIds: string[] } };

describe("moderation and trades", () => {
  it("a taken-down listing: a proposal naming it is accepted before and refused after, the proposal made before cannot be accepted, and the trade still shows it", async () => {
    const { ann, bob, annListings, bobListings } = await twoTraders(1);
    const terms = { recipientId: bob.id, offeredListingIds: annListings, requestedListingIds: bobListings };
    // Control: before the takedown, a proposal naming Bob's listing is accepted.
    const before = await proposed(ann, terms);

    await takeDown(bobListings[0]!, "Prohibited item");

    const refused = await propose(ann, terms);
    expect(refused).toMatchObject({ trade: null, errors: [{ code: "LISTING_UNAVAILABLE", field: "input.requestedListingIds" }] });
    // The open proposal still shows the listing to both parties (a reference resolves it) ...
    for (const party of [ann, bob]) {
      expect((await tradeAs(party, before.id))?.requestedListings).toEqual([{ id: bobListings[0], status: "ACTIVE" }]);
    }
    // ... but its acceptance cannot reserve it, and nothing is held.
    const acceptance = await accept(bob, before.id);
    expect(acceptance.errors).toMatchObject([{ code: "LISTING_UNAVAILABLE" }]);
    expect((await tradeAs(ann, before.id))?.status).toBe("PROPOSED");

    // Restored: it can be traded again.
    const admin = await signInAdmin();
    expect((await admin.data<{ restoreListing: { errors: unknown[] } }>(RESTORE, { id: bobListings[0] })).restoreListing.errors).toEqual([]);
    const again = await accept(bob, before.id);
    expect(again.errors).toEqual([]);
    expect(again.trade?.status).toBe("ACCEPTED");
  });

  it("a listing hidden while an accepted trade holds it: the trade shows it and completes (the hand-over goes through)", async () => {
    const { ann, bob, annListings, bobListings } = await twoTraders(1);
    const trade = await proposed(ann, { recipientId: bob.id, offeredListingIds: annListings, requestedListingIds: bobListings });
    expect((await accept(bob, trade.id)).trade?.status).toBe("ACCEPTED");

    await takeDown(annListings[0]!, "Reported after the trade was agreed");

    expect((await tradeAs(bob, trade.id))?.offeredListings).toEqual([{ id: annListings[0], status: "RESERVED" }]);
    expect((await mutate(ann, CONFIRM, { id: trade.id })).errors).toEqual([]);
    const done = await mutate(bob, CONFIRM, { id: trade.id });
    expect(done.errors).toEqual([]);
    expect(done.trade?.status).toBe("COMPLETED");
    expect(done.trade?.offeredListings).toEqual([{ id: annListings[0], status: "TRADED" }]);
    expect(done.trade?.requestedListings).toEqual([{ id: bobListings[0], status: "TRADED" }]);
  });

  it("reserveListingsForTrade refuses a suspended member's listing, as identity's suspension job would leave it, and reserves it again once reinstated", async () => {
    const { bob, bobListings } = await twoTraders(1);
    const listingId = bobListings[0]!;
    await setSuspended(bob.id, true);
    const refused = await asService<Reserved>(RESERVE, { tradeId: newTradeId(), ids: [listingId] });
    expect(refused.data?.reserveListingsForTrade).toEqual({ ok: false, unavailableListingIds: [listingId] });

    await setSuspended(bob.id, false);
    const tradeId = randomUUID();
    const reserved = await asService<Reserved>(RESERVE, { tradeId, ids: [listingId] });
    expect(reserved.data?.reserveListingsForTrade).toEqual({ ok: true, unavailableListingIds: [] });
    // Held for that trade, a later suspension does not take it from it: a replay still answers ok.
    await setSuspended(bob.id, true);
    const replay = await asService<Reserved>(RESERVE, { tradeId, ids: [listingId] });
    expect(replay.data?.reserveListingsForTrade).toEqual({ ok: true, unavailableListingIds: [] });
    await asService(`mutation ($tradeId: ID!) { releaseListingsForTrade(tradeId: $tradeId) }`, { tradeId });
  });
});
