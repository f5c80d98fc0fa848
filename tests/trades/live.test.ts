import { describe, expect, it } from "vitest";
import { registerUser, wsClient } from "../harness/client.ts";
import { Subscription } from "../harness/subscription.ts";
import { accept, COUNTER, mutate, proposed, tradeAs, twoTraders, untilListeningToTrades } from "./helpers.ts";

interface Update {
  tradeUpdated: { id: string; status: string; proposer: { id: string }; escrow: { amount: number } | null };
}

const QUERY = `subscription ($id: ID) { tradeUpdated(id: $id) { id status proposer { id } escrow { amount } } }`;
const about = (id: string, status: string) => (r: { data?: Update | null }) => r.data?.tradeUpdated.id === id && r.data.tradeUpdated.status === status;

describe("tradeUpdated", () => {
  it("tells both parties about every change, with fields from other subgraphs", async () => {
    const { ann, bob, bobListings } = await twoTraders();
    const carl = await registerUser();
    const [annWs, bobWs, carlWs] = [wsClient(ann.accessToken), wsClient(bob.accessToken), wsClient(carl.accessToken)];
    try {
      const bobs = new Subscription<Update>(bobWs, QUERY);
      await untilListeningToTrades(bob, bobs);
      const trade = await proposed(ann, { recipientId: bob.id, requestedListingIds: bobListings, offeredCredits: 12 });
      const first = await bobs.until(about(trade.id, "PROPOSED"), "bob's PROPOSED update");
      expect(first.data!.tradeUpdated).toMatchObject({ id: trade.id, status: "PROPOSED", proposer: { id: ann.id } });

      const anns = new Subscription<Update>(annWs, QUERY, { id: trade.id });
      await anns.until(about(trade.id, "PROPOSED"), "ann's current state");
      // An outsider cannot follow the trade at all: asked for by id, it is refused, and that
      // subscription ends there...
      const carls = new Subscription<Update>(carlWs, QUERY, { id: trade.id });
      await carls.end();
      expect(carls.results).toEqual([{ errors: [expect.objectContaining({ extensions: { code: "NOT_FOUND" } })] }]);
      // ...so whether a change leaks to an outsider is watched on one that stays open: Carl's feed
      // of his own trades, shown to be listening (it delivers a probe) before the change is made.
      const carlsFeed = new Subscription<Update>(carlWs, QUERY);
      await untilListeningToTrades(carl, carlsFeed);

      expect((await accept(bob, trade.id)).errors).toEqual([]);
      const accepted = await anns.until(about(trade.id, "ACCEPTED"), "ann's ACCEPTED update");
      expect(accepted.data!.tradeUpdated).toMatchObject({ status: "ACCEPTED", escrow: { amount: 12 } });
      await bobs.until(about(trade.id, "ACCEPTED"), "bob's ACCEPTED update");
      // The parties have heard of the accept, so it was published; a trade proposed to Carl now is
      // published after it, and once it reaches his feed, anything of the accept that was going to
      // reach it has (one feed delivers in order).
      const after = await proposed(ann, { recipientId: carl.id, offeredCredits: 1, message: "after the accept" });
      await carlsFeed.until(about(after.id, "PROPOSED"), "carl's own trade, proposed after the accept");
      expect(carlsFeed.ended).toBeNull();
      expect(carlsFeed.results.filter((r) => r.data?.tradeUpdated.id === trade.id)).toEqual([]);
      for (const s of [bobs, anns, carlsFeed]) s.dispose();
    } finally {
      await Promise.all([annWs.dispose(), bobWs.dispose(), carlWs.dispose()]);
    }
  });
});

describe("tradeUpdated, followed through several changes", () => {
  // Each delivery is the trade as it is then, fields read through the subgraph's loaders
  // included: the history on the third delivery holds the second change.
  it("delivers each change with the trade's history as it is at that change", async () => {
    const { ann, bob, bobListings } = await twoTraders();
    const trade = await proposed(ann, { recipientId: bob.id, requestedListingIds: bobListings, offeredCredits: 5 });
    const annWs = wsClient(ann.accessToken);
    type Live = { tradeUpdated: { id: string; status: string; events: { kind: string }[] } };
    const live = new Subscription<Live>(annWs, `subscription ($id: ID) { tradeUpdated(id: $id) { id status events { kind } } }`, { id: trade.id });
    const kinds = (r: { data?: Live | null }) => r.data?.tradeUpdated.events.map((e) => e.kind);
    try {
      const current = await live.until((r) => r.data?.tradeUpdated.status === "PROPOSED", "the trade's current state");
      expect(kinds(current)).toEqual(["PROPOSED"]);

      expect((await mutate(bob, COUNTER, { id: trade.id, input: { offeredCredits: 7 } })).errors).toEqual([]);
      const countered = await live.until((r) => r.data?.tradeUpdated.status === "COUNTERED", "the counter-offer");
      expect(kinds(countered)).toEqual(["PROPOSED", "COUNTERED"]);

      expect((await accept(ann, trade.id)).errors).toEqual([]);
      const accepted = await live.until((r) => r.data?.tradeUpdated.status === "ACCEPTED", "the acceptance");
      expect(kinds(accepted)).toEqual(["PROPOSED", "COUNTERED", "ACCEPTED"]);
      // Through the same path as a query: the history the subscription delivered is the trade's.
      expect((await tradeAs(ann, trade.id))!.events.map((e) => e.kind)).toEqual(["PROPOSED", "COUNTERED", "ACCEPTED"]);
      live.dispose();
    } finally {
      await annWs.dispose();
    }
  });
});
