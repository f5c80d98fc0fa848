import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { registerUser, wsClient } from "../harness/client.ts";
import { Subscription } from "../harness/subscription.ts";
import { accept, DECLINE, mutate, proposed, twoTraders, untilListeningToTrades } from "../trades/helpers.ts";

const TRADE_UPDATED = /* GraphQL */ `
  subscription ($id: ID) {
    tradeUpdated(id: $id) {
      id
      status
      escrow { amount status }
      offeredListings { title owner { displayName } }
      proposer { displayName }
    }
  }
`;

interface TradeUpdate {
  tradeUpdated: { id: string; status: string };
}

const about = (id: string, status: string) => (r: { data?: TradeUpdate | null }) => r.data?.tradeUpdated.id === id && r.data.tradeUpdated.status === status;

describe("subscriptions through the gateway", () => {
  it("delivers a trade's changes to its parties with fields from other subgraphs", async () => {
    const { ann, bob, annListings, bobListings } = await twoTraders();
    const trade = await proposed(ann, {
      recipientId: bob.id,
      offeredListingIds: annListings,
      requestedListingIds: bobListings,
      offeredCredits: 7,
    });
    const annSocket = wsClient(ann.accessToken);
    const bobSocket = wsClient(bob.accessToken);
    try {
      // Ann follows the trade: its current state comes first, and says she is listening.
      const forAnn = new Subscription<TradeUpdate>(annSocket, TRADE_UPDATED, { id: trade.id });
      await forAnn.until(about(trade.id, "PROPOSED"), "the trade's current state");
      const forBob = new Subscription<TradeUpdate>(bobSocket, TRADE_UPDATED, {});
      await untilListeningToTrades(bob, forBob);

      expect((await accept(bob, trade.id)).errors).toEqual([]);
      for (const sub of [forAnn, forBob]) {
        expect(await sub.until(about(trade.id, "ACCEPTED"), "the ACCEPTED update")).toEqual({
          data: {
            tradeUpdated: {
              id: trade.id,
              status: "ACCEPTED",
              escrow: { amount: 7, status: "HELD" },
              offeredListings: [{ title: expect.any(String), owner: { displayName: ann.displayName } }],
              proposer: { displayName: ann.displayName },
            },
          },
        });
      }
    } finally {
      await Promise.all([annSocket.dispose(), bobSocket.dispose()]);
    }
  });

  it("tells nobody else about the trade: an outsider cannot follow it, and their own feed skips it", async () => {
    const { ann, bob, annListings } = await twoTraders();
    const stranger = await registerUser();
    const trade = await proposed(ann, { recipientId: bob.id, offeredListingIds: annListings });
    const socket = wsClient(stranger.accessToken);
    try {
      const byId = new Subscription(socket, TRADE_UPDATED, { id: trade.id });
      await byId.end();
      expect(byId.results).toEqual([{ errors: [expect.objectContaining({ extensions: { code: "NOT_FOUND" } })] }]);

      // The stranger's feed of their own trades: listening (a probe arrived), then Ann's trade
      // changes, then one more probe. Events reach a subscription in order, so once that probe
      // is delivered the change to Ann's trade has been seen and passed over.
      const mine = new Subscription<TradeUpdate>(socket, TRADE_UPDATED, {});
      const probes = await untilListeningToTrades(stranger, mine);
      expect((await mutate(bob, DECLINE, { id: trade.id })).errors).toEqual([]);
      const last = await proposed(ann, { recipientId: stranger.id, offeredCredits: 1 });
      await mine.until(about(last.id, "PROPOSED"), "the control trade");
      expect(mine.results.map((r) => r.data?.tradeUpdated.id).filter((id) => !probes.has(id!))).toEqual([last.id]);
    } finally {
      await socket.dispose();
    }
  });

  it("refuses to subscribe while signed out", async () => {
    const socket = wsClient();
    try {
      // As graphql-js does for a field whose event stream cannot start: one result with the error.
      const sub = new Subscription(socket, TRADE_UPDATED, { id: randomUUID() });
      await sub.end();
      expect(sub.results).toEqual([{ errors: [expect.objectContaining({ message: "Sign in to subscribe.", extensions: { code: "UNAUTHENTICATED" } })] }]);
    } finally {
      await socket.dispose();
    }
  });

  it("validates subscriptions against the API schema", async () => {
    const user = await registerUser();
    const socket = wsClient(user.accessToken);
    try {
      const sub = new Subscription(socket, `subscription { tradeUpdated { secretField } }`);
      expect((await sub.end()).error).toEqual([expect.objectContaining({ message: expect.stringMatching(/Cannot query field "secretField"/) })]);
    } finally {
      await socket.dispose();
    }
  });
});
