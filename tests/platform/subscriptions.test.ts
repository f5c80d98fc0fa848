import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Client } from "graphql-ws";
import { registerUser, wsClient } from "../harness/client.ts";
import { accept, DECLINE, mutate, proposed, twoTraders } from "../trades/helpers.ts";

/** Collects what a subscription delivers until `count` results arrived (or the time runs out). */
function collect(client: Client, query: string, variables: Record<string, unknown>, count: number, timeoutMs = 10_000) {
  const results: unknown[] = [];
  let ready!: () => void;
  const started = new Promise<void>((resolve) => (ready = resolve));
  const done = new Promise<unknown[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      resolve(results);
    }, timeoutMs);
    const stop = client.subscribe(
      { query, variables },
      {
        next: (value) => {
          results.push(value);
          if (results.length >= count) {
            clearTimeout(timer);
            stop();
            resolve(results);
          }
        },
        error: (e) => {
          clearTimeout(timer);
          reject(e);
        },
        complete: () => {},
      },
    );
    // The server registers the subscription asynchronously; give it a moment before acting.
    setTimeout(ready, 300);
  });
  return { started, done };
}

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
      const forAnn = collect(annSocket, TRADE_UPDATED, { id: trade.id }, 1);
      const forBob = collect(bobSocket, TRADE_UPDATED, {}, 1);
      await Promise.all([forAnn.started, forBob.started]);
      expect((await accept(bob, trade.id)).errors).toEqual([]);

      for (const results of [await forAnn.done, await forBob.done]) {
        expect(results).toHaveLength(1);
        expect(results[0]).toEqual({
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

  it("tells nobody else about the trade", async () => {
    const { ann, bob, annListings } = await twoTraders();
    const stranger = await registerUser();
    const trade = await proposed(ann, { recipientId: bob.id, offeredListingIds: annListings });
    const socket = wsClient(stranger.accessToken);
    try {
      const byId = collect(socket, TRADE_UPDATED, { id: trade.id }, 1, 1500);
      const mine = collect(socket, TRADE_UPDATED, {}, 1, 1500);
      await Promise.all([byId.started, mine.started]);
      await mutate(bob, DECLINE, { id: trade.id });
      expect(await byId.done).toEqual([]);
      expect(await mine.done).toEqual([]);
    } finally {
      await socket.dispose();
    }
  });

  it("refuses to subscribe while signed out", async () => {
    const socket = wsClient();
    try {
      // As graphql-js does for a field whose event stream cannot start: one result with the error.
      const { done } = collect(socket, TRADE_UPDATED, { id: randomUUID() }, 1);
      expect(await done).toEqual([
        { errors: [expect.objectContaining({ message: "Sign in to subscribe.", extensions: { code: "UNAUTHENTICATED" } })] },
      ]);
    } finally {
      await socket.dispose();
    }
  });

  it("validates subscriptions against the API schema", async () => {
    const user = await registerUser();
    const socket = wsClient(user.accessToken);
    try {
      const { done } = collect(socket, `subscription { tradeUpdated { secretField } }`, {}, 1);
      await expect(done).rejects.toEqual([
        expect.objectContaining({ message: expect.stringMatching(/Cannot query field "secretField"/) }),
      ]);
    } finally {
      await socket.dispose();
    }
  });
});
