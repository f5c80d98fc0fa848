// The production topology: every subgraph and two gateways in processes of their own, on one
// PostgreSQL and one Redis (the test's own redis-server, which it stops and starts). A change
// made through one gateway reaches a subscriber on the other; Redis going away delays no
// mutation (once a member's token from before is refreshed: ended sessions fail closed) and is
// told to subscribers; a subgraph going away ends its subscriptions clearly.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createClient, type Client } from "graphql-ws";
import { Redis } from "ioredis";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import WebSocket from "ws";
import { runAlone } from "../harness/alone.ts";
import { GatewayClient, type GraphQLResponse } from "../harness/client.ts";
import { freePort } from "../harness/databases.ts";
import { eventually, untilNextSecond } from "../harness/eventually.ts";
import { Subscription } from "../harness/subscription.ts";
import { startTopology, type Topology } from "../harness/topology.ts";

const hasRedis = spawnSync("redis-server", ["--version"]).status === 0;
let redis: ChildProcess | undefined;
let redisPort = 0;
let topology: Topology | undefined;

async function startRedis(): Promise<void> {
  redis = spawn("redis-server", ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  const probe = new Redis(`redis://127.0.0.1:${redisPort}`, { maxRetriesPerRequest: 50 });
  probe.on("error", () => {});
  await probe.ping();
  probe.disconnect();
}

async function stopRedis(): Promise<void> {
  const exited = new Promise((resolve) => redis!.once("exit", resolve));
  redis!.kill("SIGKILL");
  await exited;
}

runAlone();

beforeAll(async () => {
  if (!hasRedis) return;
  redisPort = await freePort();
  await startRedis();
  topology = await startTopology({ serverDatabaseUrl: inject("databaseUrl"), redisUrl: `redis://127.0.0.1:${redisPort}`, gateways: 2 });
}, 240_000);

afterAll(async () => {
  await topology?.close();
  redis?.kill("SIGKILL");
}, 60_000);

interface Member {
  id: string;
  token: string;
  refreshToken: string;
  client: GatewayClient;
}

async function register(gateway: string, name: string): Promise<Member> {
  const { register } = await new GatewayClient(gateway).data<{ register: { accessToken: string; refreshToken: string; user: { id: string } } }>(
    `mutation ($input: RegisterInput!) { register(input: $input) { accessToken refreshToken user { id } } }`,
    { input: { email: `${name}-${randomUUID()}@localex.test`, password: "correct horse battery", displayName: name } },
  );
  return { id: register.user.id, token: register.accessToken, refreshToken: register.refreshToken, client: new GatewayClient(gateway, register.accessToken) };
}

/** The member after refreshSession through `gateway` (identity checks the session in its database). */
async function refreshed(member: Member, gateway: string): Promise<Member> {
  const { refreshSession } = await new GatewayClient(gateway).data<{ refreshSession: { accessToken: string; refreshToken: string } }>(
    `mutation ($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken } }`,
    { t: member.refreshToken },
  );
  return {
    ...member,
    token: refreshSession.accessToken,
    refreshToken: refreshSession.refreshToken,
    client: new GatewayClient(gateway, refreshSession.accessToken),
  };
}

const propose = (from: Member, to: Member, credits: number) =>
  from.client.data<{ proposeTrade: { trade: { id: string }; errors: unknown[] } }>(
    `mutation ($input: ProposeTradeInput!, $key: String!) { proposeTrade(input: $input, idempotencyKey: $key) { trade { id } errors { code } } }`,
    { input: { recipientId: to.id, offeredCredits: credits }, key: randomUUID() },
  );

function socket(gateway: string, token: string): Client {
  return createClient({
    url: gateway.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${token}` },
    onNonLazyError: () => {},
  });
}

type Update = { tradeUpdated: { id: string; status: string; proposer: { displayName: string } } };
const FEED = `subscription { tradeUpdated { id status proposer { displayName } } }`;
const about = (id: string) => (r: { data?: Update | null }) => r.data?.tradeUpdated.id === id;

describe.skipIf(!hasRedis)(
  `two gateways and six subgraphs in their own processes, on one Redis${hasRedis ? "" : " (SKIPPED: no redis-server on this machine)"}`,
  () => {
    it("delivers a change made through one gateway to a subscriber on the other, tells it of Redis going away and coming back, and ends it when its subgraph goes away", async () => {
      const [a, b] = topology!.gateways as [string, string];
      let ann = await register(a, "Ann");
      const bob = await register(b, "Bob");
      const bobs = socket(b, bob.token);
      try {
        const feed = new Subscription<Update>(bobs, FEED);
        // Listening once a proposal made through gateway A arrives (bounded probes, no sleep).
        let first: string | undefined;
        for (let i = 0; i < 20 && !first; i++) {
          const { proposeTrade } = await propose(ann, bob, 1);
          try {
            await feed.until(about(proposeTrade.trade.id), "the first proposal", 1000);
            first = proposeTrade.trade.id;
          } catch {
            // not listening yet
          }
        }
        expect(feed.results.find(about(first!))!.data!.tradeUpdated).toMatchObject({ status: "PROPOSED", proposer: { displayName: "Ann" } });

        // Redis goes away: a gateway cannot hear of sessions ending, so it refuses tokens issued
        // before (fail closed); refreshed, mutations still answer; the subscriber is told; then told it is back.
        await untilNextSecond(); // Ann's token is then from a second before the gap
        await stopRedis();
        const refused = await eventually(
          "Ann's earlier token refused while Redis is away",
          () => ann.client.request(`{ me { id } }`),
          (r) => r.status === 401,
        );
        expect(refused.errors?.[0]?.message).toMatch(/cannot be checked right now; refresh the session/);
        ann = await refreshed(ann, a);
        const { proposeTrade: during } = await propose(ann, bob, 2);
        expect(during.errors).toEqual([]);
        await feed.until((r) => r.errors?.[0]?.extensions?.code === "LIVE_DELIVERY_INTERRUPTED", "the interruption notice", 30_000);
        await startRedis();
        await feed.until((r) => r.errors?.[0]?.extensions?.code === "LIVE_DELIVERY_RESUMED", "the resumption notice", 30_000);
        const { proposeTrade: after } = await propose(ann, bob, 3);
        await feed.until(about(after.trade.id), "a proposal after Redis came back", 15_000);
        expect(feed.ended).toBeNull();

        // The trades subgraph goes away: the subscription ends with an error the client can act on.
        await topology!.stop("trades");
        const ended = await feed.end(30_000);
        const last = feed.results.at(-1);
        const code = last?.errors?.[0]?.extensions?.code ?? (ended.error as { extensions?: { code?: string } }[] | undefined)?.[0]?.extensions?.code;
        expect(code).toBe("SUBGRAPH_UNAVAILABLE");
      } finally {
        await bobs.dispose();
        await topology!.start("trades");
      }
    }, 180_000);

    // Tried: with search killed, this page answered `listings: null` with two INTERNAL_SERVER_ERRORs.
    it("answers the rest of a page while a subgraph is killed mid-request, with a retryable code, and recovers when it is back", async () => {
      const gateway = topology!.gateways[0]!;
      const owner = await register(gateway, "Owner");
      const word = `down${randomUUID().slice(0, 8)}`;
      for (let i = 0; i < 3; i++) {
        const { createListing } = await owner.client.data<{ createListing: { listing: { id: string } } }>(
          `mutation ($input: CreateListingInput!) { createListing(input: $input) { listing { id } } }`,
          { input: { title: `Lamp ${word} ${i}`, description: "", categoryId: await categoryId(gateway), condition: "GOOD", creditPrice: 5 } },
        );
        await owner.client.data(`mutation ($id: ID!) { publishListing(id: $id) { errors { code } } }`, { id: createListing.listing.id });
      }
      const PAGE = `{ listings(first: 5) { edges { node { title similar(first: 1) { id } } } } }`;
      type Page = { listings: { edges: { node: { title: string; similar: { id: string }[] | null } }[] } | null };
      const anonymous = new GatewayClient(gateway);
      const whole = (r: GraphQLResponse<Page>) => r.errors === undefined && r.data?.listings?.edges.every((e) => Array.isArray(e.node.similar));
      // Partial: every listing is there, `similar` is null, and each error says which service to retry.
      const partial = (r: GraphQLResponse<Page>) =>
        (r.data?.listings?.edges.length ?? 0) > 0 &&
        r.data!.listings!.edges.every((e) => typeof e.node.title === "string") &&
        (r.errors ?? []).length > 0 &&
        r.errors!.every((e) => e.extensions?.code === "SUBGRAPH_UNAVAILABLE" || e.extensions?.code === "SUBGRAPH_TIMEOUT");
      expect(whole(await anonymous.request<Page>(PAGE))).toBe(true); // control, before

      // Killed while 20 requests are in flight, for certain: the test holds a lock on the table
      // `similar` reads, so search takes the requests in and cannot answer any of them before it is
      // killed. Each then answers partial (the rest of the page), never a nulled page.
      const db = postgres(topology!.databaseUrl, { max: 2, onnotice: () => {} });
      let release = () => {};
      try {
        // Search's own jobs (indexing the listings above) done first: a statement of search's
        // waiting on the lock is then a request's.
        await eventually(
          "search's jobs",
          () =>
            db<{ n: number }[]>`select count(*)::int as n from graphile_worker.jobs where task_identifier like 'search:%' and attempts < max_attempts`.then(
              (r) => r[0]!.n,
            ),
          (n) => n === 0,
        );
        const released = new Promise<void>((resolve) => (release = resolve));
        let locked = () => {};
        const isLocked = new Promise<void>((resolve) => (locked = resolve));
        const holding = db.begin(async (tx) => {
          await tx`lock table search.similar_listings in access exclusive mode`;
          locked();
          await released;
        });
        await isLocked;
        let answered = 0;
        const inFlight = Array.from({ length: 20 }, () => anonymous.request<Page>(PAGE).finally(() => answered++));
        await eventually(
          "search's statements waiting on the test's lock",
          () =>
            db<{ n: number }[]>`select count(*)::int as n from pg_stat_activity
          where datname = current_database() and application_name = 'localex-search' and wait_event_type = 'Lock'`.then((r) => r[0]!.n),
          (n) => n > 0,
        );
        expect(answered).toBe(0);
        await topology!.stop("search");
        release();
        await holding;
        for (const r of await Promise.all(inFlight)) expect(partial(r), JSON.stringify(r.errors ?? r.data).slice(0, 300)).toBe(true);
      } finally {
        release();
        await db.end();
      }
      const down = await anonymous.request<Page>(PAGE);
      expect(partial(down), JSON.stringify(down).slice(0, 300)).toBe(true);
      expect(down.errors!.map((e) => e.message)).toContain("The search service is unavailable; try again.");

      await topology!.start("search");
      let back = down;
      for (let i = 0; i < 100 && !whole(back); i++) {
        await new Promise((r) => setTimeout(r, 100));
        back = await anonymous.request<Page>(PAGE);
      }
      expect(whole(back), JSON.stringify(back.errors)).toBe(true);
    }, 120_000);

    it("keeps listings and trades on the page while identity is down: only the members are missing, with a retryable code", async () => {
      const gateway = topology!.gateways[0]!;
      const [ann, bob] = [await register(gateway, "Ann"), await register(gateway, "Bob")];
      const { createListing } = await ann.client.data<{ createListing: { listing: { id: string } } }>(
        `mutation ($input: CreateListingInput!) { createListing(input: $input) { listing { id } } }`,
        { input: { title: "Identity outage lamp", description: "", categoryId: await categoryId(gateway), condition: "GOOD", creditPrice: 5 } },
      );
      await ann.client.data(`mutation ($id: ID!) { publishListing(id: $id) { errors { code } } }`, { id: createListing.listing.id });
      const { proposeTrade } = await propose(bob, ann, 1);
      const LISTING = `query ($id: ID!) { listing(id: $id) { title owner { displayName } } }`;
      const TRADE = `query ($id: ID!) { trade(id: $id) { status offeredCredits proposer { displayName } recipient { displayName } } }`;
      type Listing = { listing: { title: string; owner: { displayName: string } | null } | null };
      type Trade = { trade: { status: string; offeredCredits: number; proposer: { displayName: string } | null } | null };
      expect((await ann.client.data<Listing>(LISTING, { id: createListing.listing.id })).listing!.owner).toEqual({ displayName: "Ann" });

      await topology!.stop("identity");
      try {
        const listing = await new GatewayClient(gateway).request<Listing>(LISTING, { id: createListing.listing.id });
        expect(listing.data?.listing).toEqual({ title: "Identity outage lamp", owner: null });
        expect(listing.errors?.map((e) => e.extensions?.code)).toEqual(["SUBGRAPH_UNAVAILABLE"]);
        // Tokens are checked at the gateway, so a signed-in member still reads their trade.
        const trade = await ann.client.request<Trade>(TRADE, { id: proposeTrade.trade.id });
        expect(trade.data?.trade).toMatchObject({ status: "PROPOSED", offeredCredits: 1, proposer: null });
        expect(new Set(trade.errors?.map((e) => e.extensions?.code))).toEqual(new Set(["SUBGRAPH_UNAVAILABLE"]));
      } finally {
        await topology!.start("identity");
      }
      let back = await new GatewayClient(gateway).request<Listing>(LISTING, { id: createListing.listing.id });
      for (let i = 0; i < 100 && back.errors; i++) {
        await new Promise((r) => setTimeout(r, 100));
        back = await new GatewayClient(gateway).request<Listing>(LISTING, { id: createListing.listing.id });
      }
      expect(back.data?.listing?.owner).toEqual({ displayName: "Ann" });
    }, 120_000);
  },
);

async function categoryId(gateway: string): Promise<string> {
  const { categories } = await new GatewayClient(gateway).data<{ categories: { id: string; slug: string }[] }>(`{ categories { id slug } }`);
  return categories.find((c) => c.slug === "furniture")?.id ?? categories[0]!.id;
}
