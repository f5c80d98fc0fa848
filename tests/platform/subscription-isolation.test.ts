// One caller must not be able to end anyone else's live updates. The gateway carries every
// client's subscriptions to a subgraph over one shared graphql-ws socket (upstream.ts), so
// anything that closes that socket ends them all (issue 20, "Shared upstream socket").
import { createClient } from "graphql-ws";
import { inject, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { GATEWAY_SERVICE, signCallerToken } from "@localex/common";
import { wsClient } from "../harness/client.ts";
import { eventually } from "../harness/eventually.ts";
import { TEST_CALLER_KEYS } from "../harness/secrets.ts";
import { Subscription } from "../harness/subscription.ts";
import { proposed, twoTraders, untilListeningToTrades } from "../trades/helpers.ts";

const FEED = /* GraphQL */ `subscription { tradeUpdated { id status } }`;
type TradeUpdate = { tradeUpdated: { id: string; status: string } };

/** A raw client that speaks graphql-ws by hand, as an attacker's script would; resolves with how the socket closed. */
async function sendRaw(url: string, subscribe: Record<string, unknown>): Promise<{ code: number; answers: unknown[] }> {
  const socket = new WebSocket(url, "graphql-transport-ws");
  const answers: unknown[] = [];
  const closed = new Promise<{ code: number; answers: unknown[] }>((resolve) => socket.on("close", (code) => resolve({ code, answers })));
  socket.on("error", () => undefined); // the close says it
  await new Promise((resolve) => socket.once("open", resolve));
  socket.send(JSON.stringify({ type: "connection_init", payload: {} }));
  socket.on("message", (data: Buffer) => {
    const message = JSON.parse(data.toString()) as { type: string; payload?: unknown };
    if (message.type === "connection_ack") socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: subscribe }));
    else answers.push(message);
    if (message.type === "error" || message.type === "complete") socket.close(1000);
  });
  return closed;
}

/** Bob follows his trades; after `attack`, a trade Ann proposes to him must still reach him. */
async function stillDelivered(attack: () => Promise<unknown>): Promise<void> {
  const { ann, bob } = await twoTraders();
  const socket = wsClient(bob.accessToken);
  try {
    const feed = new Subscription<TradeUpdate>(socket, FEED);
    await untilListeningToTrades(bob, feed);
    await attack();
    const after = await proposed(ann, { recipientId: bob.id, offeredCredits: 2 });
    await feed.until((r) => r.data?.tradeUpdated.id === after.id, "the trade proposed after the attack");
    expect(feed.ended).toBeNull();
  } finally {
    await socket.dispose();
  }
}

/** A subscribe message of exactly `bytes`, its bulk in one ID variable. */
function subscribeOfSize(bytes: number): Record<string, unknown> {
  const payload = { query: "subscription ($id: ID) { tradeUpdated(id: $id) { id } }", variables: { id: "" } };
  const frame = (p: typeof payload) => JSON.stringify({ id: "1", type: "subscribe", payload: p }).length;
  payload.variables.id = "x".repeat(bytes - frame(payload));
  return payload;
}

describe("one subscriber cannot end another's subscriptions", () => {
  it("keeps a member's trade updates flowing after an anonymous client sends a 1 MiB subscribe message", async () => {
    let attacked: { code: number; answers: unknown[] } | undefined;
    await stillDelivered(async () => {
      attacked = await sendRaw(inject("wsUrl"), subscribeOfSize(1024 * 1024));
    });
    // The attacker's own message is refused: its socket closed for the size (1009), or the operation answered with an error.
    expect(attacked!.code === 1009 || attacked!.answers.some((a) => (a as { type: string }).type === "error")).toBe(true);
  });

  it("refuses a message far below the subgraphs' limit: 64 KiB from a client is too much", async () => {
    const refused = await sendRaw(inject("wsUrl"), subscribeOfSize(70 * 1024));
    expect(refused.code).toBe(1009);
    // Positive control: a message of ordinary size is served (an error about the unknown trade, not a closed socket).
    const served = await sendRaw(inject("wsUrl"), subscribeOfSize(2 * 1024));
    expect(served.code).toBe(1000);
    expect(served.answers).not.toEqual([]);
  });

  it("refuses a huge alias on that operation alone, and others' updates go on", async () => {
    let answered: { code: number; answers: unknown[] } | undefined;
    await stillDelivered(async () => {
      answered = await sendRaw(inject("wsUrl"), { query: `subscription { ${"a".repeat(40_000)}: tradeUpdated { id } }` });
    });
    expect(answered!.answers).toEqual([
      expect.objectContaining({ type: "error", payload: [expect.objectContaining({ message: expect.stringMatching(/at most \d+ characters/) })] }),
    ]);
  });

  it("answers a subscription the subgraph cannot authorise on that subscription alone, not by closing the shared socket", async () => {
    // As the gateway connects to the trades subgraph: one socket, signed as the gateway.
    const subgraph = inject("subgraphUrls").trades!.replace(/^http/, "ws");
    const shared = createClient({
      url: subgraph,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: async () => ({
        caller: await signCallerToken(
          TEST_CALLER_KEYS,
          { userId: GATEWAY_SERVICE, role: "service", sessionId: "gateway" },
          { signer: "gateway", audience: "trades" },
        ),
      }),
    });
    try {
      const { ann, bob } = await twoTraders();
      const bobsToken = await signCallerToken(TEST_CALLER_KEYS, { userId: bob.id, role: "user", sessionId: "s" }, { signer: "gateway", audience: "trades" });
      const results: { data?: TradeUpdate | null }[] = [];
      let bobEnded: unknown = null;
      shared.subscribe<TradeUpdate>(
        { query: FEED, extensions: { caller: bobsToken } },
        { next: (r) => results.push(r), error: (e) => (bobEnded = e), complete: () => undefined },
      );
      const forged = new Promise<unknown>((resolve) =>
        shared.subscribe(
          { query: FEED, extensions: { caller: "not-a-token" } },
          { next: () => undefined, error: resolve, complete: () => resolve("completed") },
        ),
      );
      // Refused with a GraphQL error on that subscription (an array of errors), not a closed socket (a CloseEvent).
      expect(await forged).toEqual([expect.objectContaining({ extensions: { code: "UNAUTHENTICATED" } })]);
      const after = await proposed(ann, { recipientId: bob.id, offeredCredits: 3 });
      await eventually(
        "the trade proposed after the refusal, on the shared socket",
        async () => results.map((r) => r.data?.tradeUpdated.id),
        (ids) => ids.includes(after.id) || bobEnded !== null,
        15_000,
      );
      expect(bobEnded).toBeNull();
      expect(results.map((r) => r.data?.tradeUpdated.id)).toContain(after.id);
    } finally {
      await shared.dispose();
    }
  });
});
