// In-flight deduplication of subgraph fetches (GATEWAY_DEDUPLICATE_FETCHES, on by default): a
// gateway in its own process, in front of the test graph's subgraphs, two of them behind a
// counting proxy (a real HTTP hop that forwards every request, and can hold one until the test
// lets it go, so requests are surely in flight together). Identical anonymous queries share one
// subgraph fetch; two members' identical queries never share an answer; mutations never share.
import { createServer, type IncomingMessage, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { GatewayClient, registerUser } from "../harness/client.ts";
import { freePort } from "../harness/databases.ts";
import { servePiece, stopPiece, untilHealthy, type Piece } from "../harness/pieces.ts";
import { testGraphEnvironment } from "../harness/secrets.ts";

const SKIPPED_HEADERS = new Set(["host", "connection", "content-length", "transfer-encoding", "keep-alive"]);

/** Forwards everything to `target`; counts the GraphQL bodies it saw; holds the ones `hold` matches until release(). */
class CountingProxy {
  readonly bodies: string[] = [];
  private hold: ((body: string) => boolean) | null = null;
  private held: (() => void)[] = [];
  private server!: Server;
  url = "";

  constructor(private readonly target: string) {}

  async start(): Promise<void> {
    const port = await freePort();
    this.server = createServer((req, res) => {
      void this.forward(req).then(
        ({ status, type, body }) => res.writeHead(status, { "content-type": type }).end(body),
        (e: unknown) => res.writeHead(502).end(String(e)),
      );
    });
    await new Promise<void>((resolve) => this.server.listen(port, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${port}/graphql`;
  }

  private async forward(req: IncomingMessage): Promise<{ status: number; type: string; body: Buffer }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString();
    if (req.method === "POST") {
      this.bodies.push(body);
      if (this.hold?.(body)) await new Promise<void>((resolve) => this.held.push(resolve));
    }
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k, v]) => !SKIPPED_HEADERS.has(k) && typeof v === "string")) as Record<
      string,
      string
    >;
    const upstream = await fetch(new URL(req.url ?? "/", this.target), { method: req.method, headers, body: req.method === "POST" ? body : undefined });
    return { status: upstream.status, type: upstream.headers.get("content-type") ?? "application/json", body: Buffer.from(await upstream.arrayBuffer()) };
  }

  holding(match: (body: string) => boolean): void {
    this.hold = match;
  }

  seen(match: (body: string) => boolean): number {
    return this.bodies.filter(match).length;
  }

  release(): void {
    this.hold = null;
    for (const resolve of this.held.splice(0)) resolve();
  }

  close(): Promise<void> {
    this.release();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

let gateway: Piece | undefined;
let gatewayUrl = "";
const proxies: Record<"identity" | "listings", CountingProxy> = {
  identity: new CountingProxy(inject("subgraphUrls").identity!),
  listings: new CountingProxy(inject("subgraphUrls").listings!),
};

beforeAll(async () => {
  await Promise.all(Object.values(proxies).map((p) => p.start()));
  const port = await freePort();
  const urls = inject("subgraphUrls");
  gateway = servePiece("gateway", {
    ...testGraphEnvironment(),
    LOG_LEVEL: "debug",
    HOST: "127.0.0.1",
    PORT: String(port),
    REDIS_URL: "",
    // The default (on): unset, to test what a deployment gets.
    GATEWAY_DEDUPLICATE_FETCHES: "",
    ...Object.fromEntries(Object.entries(urls).map(([name, url]) => [`${name.toUpperCase()}_URL`, url])),
    IDENTITY_URL: proxies.identity.url,
    LISTINGS_URL: proxies.listings.url,
  });
  await untilHealthy(`http://127.0.0.1:${port}/healthz`, gateway);
  gatewayUrl = `http://127.0.0.1:${port}/graphql`;
}, 120_000);

afterAll(async () => {
  await stopPiece(gateway);
  await Promise.all(Object.values(proxies).map((p) => p.close()));
});

/** Waits (bounded) for `condition`; returns whether it came true. */
async function eventually(condition: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

const joined = () =>
  gateway!
    .output()
    .split("\n")
    .filter((line) => line.includes("joined an identical subgraph fetch in flight")).length;

describe("a gateway's in-flight deduplication of subgraph fetches (on by default)", () => {
  it("answers identical anonymous queries in flight together from one subgraph fetch, each with the whole answer", async () => {
    const tag = `shared-${Date.now()}`;
    const page = `query ${tag.replace(/-/g, "_")} { listings(first: 3) { totalCount edges { node { id title } } } }`;
    const isPage = (body: string) => body.includes("listings(") && !body.includes("_entities");
    const before = proxies.listings.seen(isPage);
    const joinedBefore = joined();
    proxies.listings.holding(isPage);
    const anonymous = new GatewayClient(gatewayUrl);
    const answers = Array.from({ length: 8 }, () => anonymous.request(page));
    // Seven requests join the one the proxy holds; a fetch of their own would reach the proxy instead.
    const allJoined = await eventually(() => joined() - joinedBefore >= 7 || proxies.listings.seen(isPage) - before > 1);
    proxies.listings.release();
    const results = await Promise.all(answers);
    expect(allJoined).toBe(true);
    expect(proxies.listings.seen(isPage) - before).toBe(1);
    for (const r of results) {
      expect(r.errors).toBeUndefined();
      expect(r.data).toEqual(results[0]!.data);
    }
  }, 60_000);

  it("never lets two members' identical queries in flight together share an answer", async () => {
    const [ann, ben] = await Promise.all([registerUser({ displayName: "Ann", verify: false }), registerUser({ displayName: "Ben", verify: false })]);
    const isMe = (body: string) => body.includes("me{") || body.includes("me {");
    const before = proxies.identity.seen(isMe);
    proxies.identity.holding(isMe);
    const query = `{ me { id email displayName } }`;
    const asked = [ann, ben].map((m) =>
      new GatewayClient(gatewayUrl, m.accessToken).request<{ me: { id: string; email: string; displayName: string } }>(query),
    );
    // Both reach identity as requests of their own (were they shared, only one would: the wait then ends unmet).
    const both = await eventually(() => proxies.identity.seen(isMe) - before >= 2);
    proxies.identity.release();
    const [forAnn, forBen] = await Promise.all(asked);
    expect(both).toBe(true);
    expect(forAnn!.data?.me).toMatchObject({ id: ann.id, email: ann.email });
    expect(forBen!.data?.me).toMatchObject({ id: ben.id, email: ben.email });
  }, 60_000);

  it("sends every mutation, even identical ones from the same member in flight together", async () => {
    const member = await registerUser({ displayName: "Mutating", verify: false });
    const isMark = (body: string) => body.includes("markNotificationsRead");
    const before = proxies.identity.seen(isMark);
    proxies.identity.holding(isMark);
    const client = new GatewayClient(gatewayUrl, member.accessToken);
    const mark = `mutation { markNotificationsRead(ids: []) }`;
    const asked = [client.request(mark), client.request(mark)];
    const both = await eventually(() => proxies.identity.seen(isMark) - before >= 2);
    proxies.identity.release();
    const results = await Promise.all(asked);
    expect(both).toBe(true);
    for (const r of results) expect(r.errors).toBeUndefined();
  }, 60_000);
});
