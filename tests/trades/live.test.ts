import { describe, expect, it } from "vitest";
import { registerUser, wsClient } from "../harness/client.ts";
import { Subscription } from "../harness/subscription.ts";
import { accept, proposed, twoTraders, untilListeningToTrades } from "./helpers.ts";

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
      // An outsider cannot follow the trade at all.
      const carls = new Subscription<Update>(carlWs, QUERY, { id: trade.id });
      await carls.end();
      expect(carls.results).toEqual([{ errors: [expect.objectContaining({ extensions: { code: "NOT_FOUND" } })] }]);

      expect((await accept(bob, trade.id)).errors).toEqual([]);
      const accepted = await anns.until(about(trade.id, "ACCEPTED"), "ann's ACCEPTED update");
      expect(accepted.data!.tradeUpdated).toMatchObject({ status: "ACCEPTED", escrow: { amount: 12 } });
      await bobs.until(about(trade.id, "ACCEPTED"), "bob's ACCEPTED update");
      expect(carls.results).toHaveLength(1);
      for (const s of [bobs, anns]) s.dispose();
    } finally {
      await Promise.all([annWs.dispose(), bobWs.dispose(), carlWs.dispose()]);
    }
  });
});
