// How long a WebSocket lives, and how much it may hold: no longer than its access token or its
// session, at most 25 subscriptions, at most 10 connections per user.
import { randomUUID } from "node:crypto";
import { createClient, type Client } from "graphql-ws";
import { SignJWT } from "jose";
import { describe, expect, inject, it } from "vitest";
import WebSocket from "ws";
import { registerUser } from "../harness/client.ts";
import { TEST_JWT_SECRET } from "../harness/secrets.ts";
import { Subscription } from "../harness/subscription.ts";

interface Watched {
  client: Client;
  connected: Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
}

/** A graphql-ws client that reports how its socket closed, and never reconnects. */
function connect(token: string): Watched {
  let onConnected!: () => void;
  let onClosed!: (e: { code: number; reason: string }) => void;
  const connected = new Promise<void>((r) => (onConnected = r));
  const closed = new Promise<{ code: number; reason: string }>((r) => (onClosed = r));
  const client = createClient({
    url: inject("wsUrl"),
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${token}` },
    onNonLazyError: () => {},
    on: {
      connected: () => onConnected(),
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string };
        onClosed({ code, reason: String(reason) });
      },
    },
  });
  return { client, connected, closed };
}

const FEED = `subscription { tradeUpdated { id } }`;

describe("WebSocket connections", () => {
  it("closes a connection when its access token expires, with 4401 for the client to refresh and reconnect", async () => {
    const expiresAt = Math.floor(Date.now() / 1000) + 2;
    const token = await new SignJWT({ role: "user", sid: randomUUID() })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(randomUUID())
      .setIssuer("localex-identity")
      .setAudience("localex-api")
      .setIssuedAt()
      .setExpirationTime(expiresAt)
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    const socket = connect(token);
    await socket.connected;
    const closed = await socket.closed;
    expect(closed).toEqual({ code: 4401, reason: expect.stringMatching(/expired/) });
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt * 1000 - 50);
    await socket.client.dispose();
  });

  it("closes the session's connections at logout, and only those", async () => {
    const ann = await registerUser();
    const bob = await registerUser();
    const annSocket = connect(ann.accessToken);
    const bobSocket = connect(bob.accessToken);
    try {
      await Promise.all([annSocket.connected, bobSocket.connected]);
      const annFeed = new Subscription(annSocket.client, FEED);
      expect(await ann.client.data(`mutation { logout }`)).toEqual({ logout: true });
      expect(await annSocket.closed).toEqual({ code: 4401, reason: expect.stringMatching(/signed out/) });
      await annFeed.end();
      // Bob's connection still works: it answers a query.
      const bobFeed = new Subscription<{ me: { id: string } }>(bobSocket.client, `{ me { id } }`);
      expect((await bobFeed.until(() => true, "bob's answer")).data).toEqual({ me: { id: bob.id } });
    } finally {
      await Promise.all([annSocket.client.dispose(), bobSocket.client.dispose()]);
    }
  });

  it("refuses a 26th subscription on one connection, and an 11th connection of one user", async () => {
    const cleo = await registerUser();
    const sockets = Array.from({ length: 10 }, () => connect(cleo.accessToken));
    try {
      await Promise.all(sockets.map((s) => s.connected));
      const first = sockets[0]!;
      const open = Array.from({ length: 25 }, () => new Subscription(first.client, FEED));
      const extra = new Subscription(first.client, FEED);
      const ended = await extra.end();
      expect(ended.error).toEqual([expect.objectContaining({ extensions: { code: "TOO_MANY_SUBSCRIPTIONS" } })]);
      expect(open.filter((s) => s.ended !== null).map((s) => s.ended)).toEqual([]);

      const eleventh = connect(cleo.accessToken);
      expect(await eleventh.closed).toEqual({ code: 4031, reason: expect.stringMatching(/At most 10 connections/) });
      await eleventh.client.dispose();
      // Closing one lets another in (once the server has seen it close).
      await sockets.pop()!.client.dispose();
      for (let attempt = 0; ; attempt++) {
        const again = connect(cleo.accessToken);
        const outcome = await Promise.race([again.connected.then(() => "connected"), again.closed.then((c) => c.code)]);
        sockets.push(again);
        if (outcome === "connected") break;
        expect(outcome).toBe(4031);
        if (attempt === 50) throw new Error("a closed connection never made room for another");
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await Promise.all(sockets.map((s) => s.client.dispose()));
    }
  });
});
