// Anonymous WebSocket connections one address may hold open at a gateway are capped
// (WS_ANONYMOUS_CONNECTIONS_PER_ADDRESS); members' connections are not counted. The shared test
// gateway allows a test suite's many anonymous sockets from 127.0.0.1, so this file starts a
// gateway of its own with a cap of 3, in front of the shared subgraphs.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import WebSocket from "ws";
import { randomAddress, registerUser, type TestUser } from "../harness/client.ts";
import { freePort } from "../harness/databases.ts";
import { eventually } from "../harness/eventually.ts";
import { servePiece, stopPiece, untilHealthy, type Piece } from "../harness/pieces.ts";
import { testGraphEnvironment } from "../harness/secrets.ts";

const CAP = 3;
let gateway: Piece | undefined;
let wsUrl: string;
let member: TestUser;
const open: WebSocket[] = [];

/**
 * A graphql-ws connection from `from` (X-Forwarded-For, trusted from loopback), initialised with
 * the member's token or none: "acknowledged" with the socket, or how the server closed it.
 */
function connect(from: string, token?: string): Promise<{ acknowledged: WebSocket } | { closed: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl, "graphql-transport-ws", { headers: { "x-forwarded-for": from } });
    socket.on("open", () => socket.send(JSON.stringify({ type: "connection_init", payload: token ? { authorization: `Bearer ${token}` } : {} })));
    socket.on("message", (data: Buffer) => {
      if ((JSON.parse(data.toString()) as { type: string }).type !== "connection_ack") return;
      open.push(socket);
      resolve({ acknowledged: socket });
    });
    socket.on("close", (code, reason) => resolve({ closed: code, reason: reason.toString() }));
    socket.on("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    socket.on("error", reject);
  });
}

function closeAndWait(socket: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    socket.once("close", () => resolve());
    socket.close(1000);
  });
}

beforeAll(async () => {
  member = await registerUser();
  const port = await freePort();
  gateway = servePiece("gateway", {
    ...testGraphEnvironment(),
    HOST: "127.0.0.1",
    PORT: String(port),
    TRUST_PROXY: "loopback",
    REDIS_URL: "",
    WS_ANONYMOUS_CONNECTIONS_PER_ADDRESS: String(CAP),
    ...Object.fromEntries(Object.entries(inject("subgraphUrls")).map(([name, url]) => [`${name.toUpperCase()}_URL`, url])),
  });
  await untilHealthy(`http://127.0.0.1:${port}/healthz`, gateway);
  wsUrl = `ws://127.0.0.1:${port}/graphql`;
}, 120_000);

afterAll(async () => {
  for (const socket of open) socket.terminate();
  await stopPiece(gateway);
});

describe("anonymous WebSocket connections per address", () => {
  it("refuses an anonymous connection over the cap with 4429; a member from that address, another address, and a freed place are accepted", async () => {
    const from = randomAddress();
    const within = await Promise.all(Array.from({ length: CAP }, () => connect(from)));
    expect(within.every((c) => "acknowledged" in c)).toBe(true);

    expect(await connect(from)).toEqual({
      closed: 4429,
      reason: expect.stringMatching(/Too many anonymous connections from this address; sign in or close one/),
    });

    // A member's connection from the same address is not anonymous: accepted, and it answers.
    const signedIn = await connect(from, member.accessToken);
    expect("acknowledged" in signedIn).toBe(true);
    // Another address has places of its own.
    expect("acknowledged" in (await connect(randomAddress()))).toBe(true);

    // Closing one anonymous connection frees its place.
    await closeAndWait((within[0] as { acknowledged: WebSocket }).acknowledged);
    const again = await eventually(
      "a new anonymous connection after one closed",
      () => connect(from),
      (c) => "acknowledged" in c,
      10_000,
    );
    expect("acknowledged" in again).toBe(true);
    // ...and only that one.
    expect(await connect(from)).toMatchObject({ closed: 4429 });
  });

  it("counts an IPv6 client's whole /64 as one address", async () => {
    const prefix = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:1`;
    const within = await Promise.all(Array.from({ length: CAP }, (_, i) => connect(`${prefix}::${i + 1}`)));
    expect(within.every((c) => "acknowledged" in c)).toBe(true);
    expect(await connect(`${prefix}::ffff`)).toMatchObject({ closed: 4429 });
    expect("acknowledged" in (await connect(`2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:2::1`))).toBe(true);
  });
});
