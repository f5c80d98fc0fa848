// A gateway that loses its Redis connection cannot hear of sessions ending meanwhile: it must not
// keep trusting access tokens it can no longer check. Its own gateway reaches the graph's Redis
// through a TCP proxy on loopback that this test cuts and restores, while identity (the shared
// graph's) keeps announcing to Redis. Needs the graph's Redis (REDIS_URL for the run).
import { createServer, connect as connectTcp, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { GatewayClient, registerUser, type TestUser } from "../harness/client.ts";
import { freePort } from "../harness/databases.ts";
import { eventually, untilNextSecond } from "../harness/eventually.ts";
import { servePiece, stopPiece, untilHealthy, type Piece } from "../harness/pieces.ts";
import { testGraphEnvironment } from "../harness/secrets.ts";

const redis = inject("redis");
const ME = `{ me { id } }`;
const REFRESH = `mutation ($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken } }`;

/** A TCP proxy to Redis that the test can cut (every connection dropped, new ones refused) and restore. */
class CuttableProxy {
  private cut = false;
  private readonly sockets = new Set<Socket>();
  private server?: Server;

  constructor(private readonly target: { host: string; port: number }) {}

  async listen(port: number): Promise<void> {
    this.server = createServer((client) => {
      if (this.cut) return void client.destroy();
      const upstream = connectTcp(this.target.port, this.target.host);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on("error", () => {});
        socket.on("close", () => {
          this.sockets.delete(socket);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(port, "127.0.0.1", resolve));
  }

  sever(): void {
    this.cut = true;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.cut = false;
  }

  async close(): Promise<void> {
    this.sever();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

async function refreshed(user: { refreshToken: string }, through: GatewayClient): Promise<{ accessToken: string; refreshToken: string }> {
  const { refreshSession } = await through.data<{ refreshSession: { accessToken: string; refreshToken: string } }>(REFRESH, { t: user.refreshToken });
  return refreshSession;
}

describe.skipIf(!redis.url)(
  `ended sessions across a gap in the gateway's Redis connection (needs Redis)${redis.url ? "" : " (SKIPPED: no REDIS_URL for this run)"}`,
  () => {
    let gateway: Piece | undefined;
    let proxy: CuttableProxy | undefined;
    let ours: GatewayClient;
    let a: TestUser;
    let b: TestUser;

    beforeAll(async () => {
      const target = new URL(redis.url);
      proxy = new CuttableProxy({ host: target.hostname, port: Number(target.port || 6379) });
      const proxyPort = await freePort();
      await proxy.listen(proxyPort);
      const port = await freePort();
      gateway = servePiece("gateway", {
        ...testGraphEnvironment(),
        HOST: "127.0.0.1",
        PORT: String(port),
        REDIS_URL: `redis://127.0.0.1:${proxyPort}${target.pathname}`,
        REDIS_PREFIX: redis.prefix,
        ...Object.fromEntries(Object.entries(inject("subgraphUrls")).map(([name, url]) => [`${name.toUpperCase()}_URL`, url])),
      });
      await untilHealthy(`http://127.0.0.1:${port}/healthz`, gateway);
      ours = new GatewayClient(`http://127.0.0.1:${port}/graphql`);
      [a, b] = await Promise.all([registerUser(), registerUser()]);
    }, 120_000);
    afterAll(async () => {
      await stopPiece(gateway);
      await proxy?.close();
    });

    it("refuses tokens issued before the gap while it lasts, reloads the sessions ended meanwhile when it is back, then trusts the rest again", {
      timeout: 120_000,
    }, async () => {
      // Before: both members' tokens work at this gateway.
      expect(await ours.withToken(a.accessToken).data(ME)).toEqual({ me: { id: a.id } });
      expect(await ours.withToken(b.accessToken).data(ME)).toEqual({ me: { id: b.id } });

      await untilNextSecond(); // the tokens above are then from a second before the gap
      proxy!.sever();
      // A token issued before the gap cannot be checked against sessions that end meanwhile: refused, with a way on.
      const refused = await eventually(
        "a's earlier token refused during the gap",
        () => ours.withToken(a.accessToken).request(ME),
        (r) => r.status === 401,
      );
      expect(refused.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
      expect(refused.errors?.[0]?.message).toMatch(/cannot be checked right now; refresh the session/);
      // The way on: refreshing (identity checks the session in its database) gives a token this gateway takes.
      const a2 = await refreshed(a, ours);
      expect(await ours.withToken(a2.accessToken).data(ME)).toEqual({ me: { id: a.id } });

      // b signs out during the gap: identity announces it, but this gateway is not listening.
      const b2 = await refreshed(b, ours);
      expect(await ours.withToken(b2.accessToken).data(ME)).toEqual({ me: { id: b.id } });
      expect(await new GatewayClient().withToken(b2.accessToken).data<{ logout: boolean }>(`mutation { logout }`)).toEqual({ logout: true });
      expect((await new GatewayClient().withToken(b2.accessToken).request(ME)).status).toBe(401); // the shared gateway heard it

      proxy!.restore();
      // Back: the gateway reads the sessions ended while it was away, and refuses b's.
      const ended = await eventually(
        "b's signed-out session refused once the gateway is back",
        () => ours.withToken(b2.accessToken).request(ME),
        (r) => r.status === 401,
      );
      expect(ended.errors?.[0]?.message).toMatch(/session has ended/);
      // ...and trusts again what it can check: a's token from before the gap, and the refreshed one.
      await eventually(
        "a's earlier token accepted again",
        () => ours.withToken(a.accessToken).request(ME),
        (r) => r.status === 200,
      );
      expect(await ours.withToken(a2.accessToken).data(ME)).toEqual({ me: { id: a.id } });
    });
  },
);
