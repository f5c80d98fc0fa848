import { describe, expect, it } from "vitest";
import type { Client } from "graphql-ws";
import { registerUser, wsClient } from "../harness/client.ts";
import { accept, proposed, twoTraders } from "./helpers.ts";

interface Update {
  tradeUpdated: { id: string; status: string; proposer: { id: string }; escrow: { amount: number } | null };
}

/** Subscribes and collects every update until closed. */
function collect(client: Client, variables: Record<string, unknown> = {}) {
  const updates: Update[] = [];
  const errors: unknown[] = [];
  const dispose = client.subscribe<Update>(
    { query: `subscription ($id: ID) { tradeUpdated(id: $id) { id status proposer { id } escrow { amount } } }`, variables },
    { next: (v) => (v.data ? updates.push(v.data) : errors.push(v.errors)), error: (e) => errors.push(e), complete: () => {} },
  );
  return { updates, errors, dispose };
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

// Lets the subscription reach the event bus before the first change is made.
const settle = () => new Promise((r) => setTimeout(r, 300));

describe("tradeUpdated", () => {
  it("tells both parties about every change, with fields from other subgraphs", async () => {
    const { ann, bob, bobListings } = await twoTraders();
    const carl = await registerUser();
    const [annWs, bobWs, carlWs] = [wsClient(ann.accessToken), wsClient(bob.accessToken), wsClient(carl.accessToken)];
    try {
      const bobs = collect(bobWs);
      await settle();
      const trade = await proposed(ann, { recipientId: bob.id, requestedListingIds: bobListings, offeredCredits: 12 });
      await until(() => bobs.updates.length >= 1, "bob's first update");
      expect(bobs.updates[0]!.tradeUpdated).toMatchObject({ id: trade.id, status: "PROPOSED", proposer: { id: ann.id } });

      const anns = collect(annWs, { id: trade.id });
      const carls = collect(carlWs, { id: trade.id });
      await settle();
      expect((await accept(bob, trade.id)).errors).toEqual([]);
      await until(() => anns.updates.some((u) => u.tradeUpdated.status === "ACCEPTED"), "ann's ACCEPTED update");
      expect(anns.updates.at(-1)!.tradeUpdated).toMatchObject({ status: "ACCEPTED", escrow: { amount: 12 } });
      await until(() => bobs.updates.some((u) => u.tradeUpdated.status === "ACCEPTED"), "bob's ACCEPTED update");
      // An outsider subscribed to the trade sees nothing of it.
      expect(carls.updates).toEqual([]);
      for (const s of [bobs, anns, carls]) s.dispose();
    } finally {
      await Promise.all([annWs.dispose(), bobWs.dispose(), carlWs.dispose()]);
    }
  });
});
