import { describe, expect, it } from "vitest";
import { accept, balances, CONFIRM, FEEDBACK, mutate, proposed, listingStatus, tradeAs, twoTraders } from "./helpers.ts";

describe("a trade from proposal to feedback", () => {
  it("holds credits and reserves listings on accept, settles and hands over on completion", async () => {
    const { ann, bob, annListings, bobListings } = await twoTraders();
    const trade = await proposed(ann, {
      recipientId: bob.id,
      offeredListingIds: annListings,
      requestedListingIds: bobListings,
      offeredCredits: 30,
      requestedCredits: 5,
      message: "Table for your lamp?",
    });
    expect(trade).toMatchObject({ status: "PROPOSED", turn: { id: bob.id }, pending: false, offeredCredits: 30, requestedCredits: 5 });
    expect(trade.events.map((e) => e.kind)).toEqual(["PROPOSED"]);

    const accepted = await accept(bob, trade.id);
    expect(accepted.errors).toEqual([]);
    expect(accepted.trade).toMatchObject({ status: "ACCEPTED", turn: null, pending: false });
    expect(accepted.trade!.offeredListings.map((l) => l.status)).toEqual(["RESERVED"]);
    expect(accepted.trade!.requestedListings.map((l) => l.status)).toEqual(["RESERVED"]);
    const [annHeld, bobHeld] = await balances(ann, bob);
    expect(annHeld).toEqual({ balance: 100, held: 30, available: 70 });
    expect(bobHeld).toEqual({ balance: 100, held: 5, available: 95 });

    const first = await mutate(ann, CONFIRM, { id: trade.id });
    expect(first.trade).toMatchObject({ status: "ACCEPTED", confirmedBy: [{ id: ann.id }] });
    const second = await mutate(bob, CONFIRM, { id: trade.id });
    expect(second.errors).toEqual([]);
    expect(second.trade!.status).toBe("COMPLETED");
    expect(await listingStatus(ann, annListings[0]!)).toBe("TRADED");
    expect(await listingStatus(bob, bobListings[0]!)).toBe("TRADED");
    const [annAfter, bobAfter] = await balances(ann, bob);
    expect(annAfter).toEqual({ balance: 75, held: 0, available: 75 });
    expect(bobAfter).toEqual({ balance: 125, held: 0, available: 125 });

    const done = await tradeAs(ann, trade.id);
    expect(done!.events.map((e) => [e.kind, e.actor?.id ?? null])).toEqual([
      ["PROPOSED", ann.id],
      ["ACCEPTED", bob.id],
      ["CONFIRMED", ann.id],
      ["CONFIRMED", bob.id],
      ["COMPLETED", bob.id],
    ]);

    const fb = await mutate(ann, FEEDBACK, { tradeId: trade.id, rating: 4, comment: " Lovely lamp " });
    expect(fb).toMatchObject({ feedback: { rating: 4, comment: "Lovely lamp" }, errors: [] });
    const again = await ann.client.data<{ leaveFeedback: { errors: { code: string; message: string; field: string | null }[] } }>(FEEDBACK, {
      tradeId: trade.id,
      rating: 5,
    });
    expect(again.leaveFeedback.errors).toEqual([expect.objectContaining({ code: "ALREADY_GIVEN", field: "tradeId" })]);
    const { user } = await ann.client.data(`query ($id: ID!) { user(id: $id) { rating completedTrades } }`, { id: bob.id });
    expect(user).toEqual({ rating: 4, completedTrades: 1 });
  });
});
