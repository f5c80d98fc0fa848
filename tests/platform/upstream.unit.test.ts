// The gateway's shared upstream socket (gateway/src/subscriptions/upstream.ts) never sends a
// message the subgraph would refuse: such a message would close the socket for every subscriber.
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { CallerKeyring, createLogger, SUBGRAPH_MESSAGE_MAX_BYTES } from "@localex/common";
import { SubgraphSockets } from "../../gateway/src/subscriptions/upstream.ts";

const QUERY = "subscription ($id: ID) { tradeUpdated(id: $id) { id } }";

/** Subscribes with an `id` variable of `bytes`; resolves with the first error the sink gets, and whether anything connected. */
async function subscribeWithVariableOf(bytes: number): Promise<{ error: unknown; connected: boolean }> {
  let connected = false;
  // Accepts and drops connections: proves whether the gateway tried to send at all.
  const server = createServer((socket) => {
    connected = true;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  const sockets = new SubgraphSockets(
    () => `http://127.0.0.1:${port}/graphql`,
    CallerKeyring.fromSeed("unit-test-seed-0123456789abcdef0123456789"),
    createLogger("silent"),
  );
  try {
    const error = await new Promise<unknown>((resolve) => {
      void sockets.subscribe(
        "trades",
        { query: QUERY, variables: { id: "x".repeat(bytes) } },
        { caller: null, clientAddress: null },
        {
          next: () => undefined,
          error: resolve,
          complete: () => resolve("completed"),
        },
      );
    });
    return { error, connected };
  } finally {
    await sockets.close();
    server.close();
  }
}

describe("the gateway's upstream subscription socket", () => {
  it("refuses, on that subscription alone and without sending it, a message larger than the subgraph accepts", async () => {
    const { error, connected } = await subscribeWithVariableOf(SUBGRAPH_MESSAGE_MAX_BYTES);
    expect(error).toEqual([expect.objectContaining({ extensions: { code: "SUBSCRIPTION_TOO_LARGE" } })]);
    expect(connected).toBe(false);
  });

  it("sends a message of ordinary size (the positive control: it connects)", async () => {
    const { error, connected } = await subscribeWithVariableOf(1024);
    expect(connected).toBe(true);
    expect(error).not.toEqual([expect.objectContaining({ extensions: { code: "SUBSCRIPTION_TOO_LARGE" } })]);
  });
});
