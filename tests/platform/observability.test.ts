// Traces, metrics and readiness, on real pieces of the graph.
import { spans } from "../harness/tracing.ts"; // first: tracing must patch the libraries before they load
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import postgres from "postgres";
import { drizzle } from "drizzle-orm/postgres-js";
import {
  createEventBus,
  createLogger,
  currentRequestId,
  enqueueJob,
  jobTask,
  loadConfig,
  requestScope,
  startSubgraph,
  SubgraphDirectory,
  TASKS,
  type JobHelpers,
  type Logger,
  type RunningSubgraph,
  type SubgraphName,
} from "@localex/common";
import { startGateway, type RunningGateway } from "../../gateway/src/server.ts";
import { readSupergraph } from "../../packages/stack/src/composition.ts";
import { SUBGRAPHS } from "../../packages/stack/src/subgraphs.ts";
import { registerUser, wsClient } from "../harness/client.ts";
import { freePort, freshDatabase, type FreshDatabase } from "../harness/databases.ts";
import { eventually } from "../harness/eventually.ts";
import { metricsUrlOf, sample, scrape } from "../harness/metrics.ts";
import { servePiece, stopPiece, untilHealthy, type Piece } from "../harness/pieces.ts";
import { testGraphEnvironment } from "../harness/secrets.ts";
import { Subscription } from "../harness/subscription.ts";
import { createListing } from "../listings/helpers.ts";

// Identity and listings in this process (so their spans reach `spans`), without their job
// workers (the shared graph runs those); a gateway in front of them and the shared graph's others.
const pieces: RunningSubgraph[] = [];
let gateway: RunningGateway;
const pieceUrl = (name: SubgraphName) => pieces.find((p) => p.name === name)!.url;

beforeAll(async () => {
  const config = loadConfig({ ...testGraphEnvironment(), HOST: "127.0.0.1", SUBGRAPH_HOST: "127.0.0.1" });
  const log = createLogger("silent");
  const events = createEventBus(undefined, "observability:");
  const directory = new SubgraphDirectory();
  for (const [name, url] of Object.entries(inject("subgraphUrls"))) directory.set(name as SubgraphName, url!);
  for (const module of SUBGRAPHS.filter((m) => m.name === "identity" || m.name === "listings")) {
    pieces.push(await startSubgraph({ ...module, startBackground: undefined }, { config, databaseUrl: inject("databaseUrl"), log, events, directory }, 0));
  }
  gateway = await startGateway({
    config,
    log,
    supergraphSdl: await readSupergraph(),
    subgraphUrls: { ...(inject("subgraphUrls") as Partial<Record<SubgraphName, string>>), ...Object.fromEntries(pieces.map((p) => [p.name, p.url])) },
    port: 0,
    events,
  });
});
afterAll(async () => {
  await gateway?.stop();
  for (const piece of pieces) await piece.stop();
});

const ask = async (query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) => {
  const response = await fetch(gateway.url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: Record<string, unknown> | null; errors?: { extensions?: { code?: string } }[] };
};

/** A span's ancestors within its trace, nearest first. */
function ancestors(span: ReadableSpan, all: ReadableSpan[]): ReadableSpan[] {
  const chain: ReadableSpan[] = [];
  for (let parent = span.parentSpanContext?.spanId; parent; ) {
    const next = all.find((s) => s.spanContext().spanId === parent);
    if (!next) break;
    chain.push(next);
    parent = next.parentSpanContext?.spanId;
  }
  return chain;
}

describe("traces", () => {
  it("follow one request from the gateway through both subgraphs it asks, down to their SQL, as one trace", async () => {
    const owner = await registerUser({ verify: false });
    const listing = await createListing(owner);
    spans.reset();
    const answer = await ask("query ListingWithOwner($id: ID!) { listing(id: $id) { title owner { displayName } } }", { id: listing.id });
    expect(answer).toEqual({ data: { listing: { title: listing.title, owner: { displayName: owner.displayName } } } });

    const finished = spans.getFinishedSpans();
    const request = finished.find((s) => s.name === "gateway.request" && s.attributes["graphql.operation.name"] === "ListingWithOwner")!;
    expect(request).toBeDefined();
    const trace = finished.filter((s) => s.spanContext().traceId === request.spanContext().traceId);
    for (const subgraph of ["listings", "identity"] as const) {
      // The subgraph executed its part of the plan, under its HTTP server span, under the
      // gateway's fetch to it: the traceparent crossed the wire.
      const executed = trace.find((s) => s.name.startsWith(`query ListingWithOwner__${subgraph}__`));
      expect(executed, subgraph).toBeDefined();
      const above = ancestors(executed!, trace);
      const server = above.find((s) => s.attributes["http.request.method"] === "POST" && s.attributes["url.path"] === "/graphql" && s.kind === 1);
      expect(server?.attributes["server.port"], subgraph).toBe(Number(new URL(pieceUrl(subgraph)).port));
      expect(
        above.some((s) => s.name === "gateway.fetch" && s.attributes.service === subgraph),
        subgraph,
      ).toBe(true);
      expect(above.includes(request), subgraph).toBe(true);
      // Its SQL, as spans within the same trace.
      const table = subgraph === "listings" ? "listings" : "users";
      const statements = trace.filter((s) => s.attributes["db.system.name"] === "postgresql" && String(s.attributes["db.query.text"]).includes(`"${table}"`));
      expect(statements.length, `${subgraph} SQL`).toBeGreaterThan(0);
      expect(
        ancestors(statements[0]!, trace).some((s) => s === server),
        `${subgraph} SQL under its request`,
      ).toBe(true);
    }
  });
});

describe("request ids", () => {
  it("follow a request into the jobs it enqueues: stored with the job, in scope (and so on every log line) while it runs", async () => {
    const sql = postgres(inject("databaseUrl"), { max: 1, onnotice: () => {} });
    try {
      // Enqueued while serving request "req-into-job-0001", due tomorrow (no worker takes it meanwhile).
      const tradeId = crypto.randomUUID();
      await requestScope.run({ requestId: "req-into-job-0001" }, () =>
        enqueueJob(drizzle(sql), TASKS.expireTrade, { tradeId }, { runAt: new Date(Date.now() + 86_400_000) }),
      );
      const [stored] = await sql<{ id: string; payload: Record<string, unknown> }[]>`
        select j.id::text, j.payload from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
        where t.identifier = ${TASKS.expireTrade} and j.payload->>'tradeId' = ${tradeId}`;
      await sql`delete from graphile_worker._private_jobs where id = ${stored!.id}::bigint`;
      expect(stored!.payload).toMatchObject({ tradeId, $origin: { requestId: "req-into-job-0001" } });
      // Run as a worker would: the handler sees its contract's payload only, under the request's id.
      const seen: { payload?: unknown; requestId?: string } = {};
      const task = jobTask(TASKS.expireTrade, createLogger("silent") as Logger, async (payload) => {
        seen.payload = payload;
        seen.requestId = currentRequestId();
      });
      await task(stored!.payload, {} as JobHelpers);
      expect(seen).toEqual({ payload: { tradeId }, requestId: "req-into-job-0001" });
    } finally {
      await sql.end();
    }
  });
});

describe("metrics", () => {
  it("count each operation's requests, errors and latency, at the gateway, per subgraph fetch and at the subgraph", async () => {
    const gatewayMetrics = metricsUrlOf(gateway.url);
    const before = await scrape(gatewayMetrics);
    const listingsBefore = await scrape(metricsUrlOf(pieceUrl("listings")));
    for (let i = 0; i < 3; i++) expect((await ask("query MetricsProbe { categories { id } }")).errors).toBeUndefined();
    // Refused by the listings subgraph: more category ids than a filter takes.
    const tooMany = Array.from({ length: 101 }, () => crypto.randomUUID());
    const refused = await ask("query MetricsProbeRefused($ids: [ID!]) { listings(filter: { categoryIds: $ids }) { totalCount } }", { ids: tooMany });
    expect(refused.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");

    const after = await scrape(gatewayMetrics);
    const delta = (name: string, labels: Record<string, string>) => sample(after, name, labels) - sample(before, name, labels);
    const probe = { service: "gateway", operation: "MetricsProbe", type: "query" };
    expect(delta("localex_graphql_operation_duration_seconds_count", probe)).toBe(3);
    expect(delta("localex_graphql_operation_duration_seconds_bucket", { le: "+Inf", ...probe })).toBe(3);
    expect(delta("localex_graphql_operation_duration_seconds_sum", probe)).toBeGreaterThan(0);
    expect(delta("localex_graphql_operation_errors_total", { ...probe, code: "BAD_USER_INPUT" })).toBe(0);
    const refusedLabels = { service: "gateway", operation: "MetricsProbeRefused", type: "query" };
    expect(delta("localex_graphql_operation_errors_total", { ...refusedLabels, code: "BAD_USER_INPUT" })).toBe(1);
    expect(delta("localex_gateway_subgraph_fetch_duration_seconds_count", { subgraph: "listings" })).toBeGreaterThanOrEqual(3);
    // The subgraph counts the fetches the plan sent it, by their plan-given names.
    const listingsAfter = await scrape(metricsUrlOf(pieceUrl("listings")));
    const fetched = { service: "listings", operation: "MetricsProbe__listings__0", type: "query" };
    expect(
      sample(listingsAfter, "localex_graphql_operation_duration_seconds_count", fetched) -
        sample(listingsBefore, "localex_graphql_operation_duration_seconds_count", fetched),
    ).toBe(3);
    // And the process: memory, event loop, SQL statements of each pool.
    expect(sample(after, "process_resident_memory_bytes")).toBeGreaterThan(0);
    expect(sample(listingsAfter, "localex_sql_statements_total", { application: "localex-listings" })).toBeGreaterThan(0);
  });

  it("keep operation names bounded: past the first 200 of a service, any name a client makes up counts as 'other'", async () => {
    const names = Array.from({ length: 220 }, (_, i) => `MadeUp${i}`);
    for (const name of names) expect((await ask(`query ${name} { __typename }`)).data).toEqual({ __typename: "Query" });
    const after = await scrape(metricsUrlOf(gateway.url));
    const gatewayNames = new Set(
      [...after.keys()]
        .filter((k) => k.startsWith('localex_graphql_operation_duration_seconds_count{service="gateway"'))
        .map((k) => /operation="([^"]*)"/.exec(k)![1]),
    );
    expect(gatewayNames.size).toBeLessThanOrEqual(201);
    expect(gatewayNames.has("other")).toBe(true);
    expect(sample(after, "localex_graphql_operation_duration_seconds_count", { service: "gateway", operation: "MadeUp219", type: "query" })).toBe(0);
  });

  it("count the gateway's open sockets and subscriptions", async () => {
    const member = await registerUser({ verify: false });
    const gauges = async () => {
      const now = await scrape(metricsUrlOf(gateway.url));
      return { connections: sample(now, "localex_gateway_websocket_connections"), subscriptions: sample(now, "localex_gateway_subscriptions") };
    };
    const until = async (expected: { connections: number; subscriptions: number }) => {
      for (let i = 0; i < 200 && JSON.stringify(await gauges()) !== JSON.stringify(expected); i++) await new Promise((r) => setTimeout(r, 25));
      return gauges();
    };
    expect(await gauges()).toEqual({ connections: 0, subscriptions: 0 });
    const client = wsClient(member.accessToken, gateway.url.replace(/^http/, "ws"));
    const first = new Subscription(client, "subscription { notificationAdded { id } }");
    const second = new Subscription(client, "subscription { notificationAdded { kind } }");
    expect(await until({ connections: 1, subscriptions: 2 })).toEqual({ connections: 1, subscriptions: 2 });
    first.dispose();
    expect(await until({ connections: 1, subscriptions: 1 })).toEqual({ connections: 1, subscriptions: 1 });
    second.dispose();
    await client.dispose();
    expect(await until({ connections: 0, subscriptions: 0 })).toEqual({ connections: 0, subscriptions: 0 });
  });

  it("count the job queue by task: scheduled and dead jobs (the shared graph's process, which runs the workers)", async () => {
    const sql = postgres(inject("databaseUrl"), { max: 1, onnotice: () => {} });
    // Media's hourly clean-up: no other test enqueues it, so the counts move only by ours.
    const task = TASKS.cleanUpMedia;
    const metrics = metricsUrlOf(inject("subgraphUrls").media!);
    const count = async (state: string) => sample(await scrape(metrics), "localex_jobs", { task, state });
    const [scheduledBefore, deadBefore] = [await count("scheduled"), await count("dead")];
    const ids: string[] = [];
    try {
      const add = async () => {
        const [job] = await sql<{ id: string }[]>`select (graphile_worker.add_job(${task}, '{}'::json, run_at => now() + interval '1 day')).id::text as id`;
        ids.push(job!.id);
        return job!.id;
      };
      await add();
      // A job that used up its attempts, as graphile-worker leaves one: dead, kept with its error.
      const dead = await add();
      await sql`update graphile_worker._private_jobs set attempts = max_attempts, last_error = 'observability test' where id = ${dead}`;
      expect(await count("scheduled")).toBe(scheduledBefore + 1);
      expect(await count("dead")).toBe(deadBefore + 1);
    } finally {
      await sql`delete from graphile_worker._private_jobs where id = any(${ids}::bigint[])`;
      await sql.end();
    }
  });
});

describe("readiness", () => {
  let database: FreshDatabase;
  let search: Piece | undefined;
  let port: number;
  let admin: postgres.Sql;

  beforeAll(async () => {
    // A search subgraph in a process of its own, on a database of its own that the test can take away.
    const server = new URL(inject("databaseUrl"));
    server.pathname = "/postgres";
    database = await freshDatabase(server.toString(), "localex_readiness");
    admin = postgres(server.toString(), { max: 1, onnotice: () => {} });
    port = await freePort();
    search = servePiece("search", { ...testGraphEnvironment(), DATABASE_URL: database.url, REDIS_URL: "", SEARCH_PORT: String(port) });
    await untilHealthy(`http://127.0.0.1:${port}/healthz`, search);
  }, 120_000);
  afterAll(async () => {
    await stopPiece(search);
    await admin?.unsafe(`alter database "${database.name}" allow_connections true`).catch(() => {});
    await admin?.end();
    await database?.drop();
  });

  const readiness = async () => {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`);
    return { http: response.status, ...((await response.json()) as { status: string; checks: Record<string, string> }) };
  };

  it("goes false, naming the database, while its database is unreachable, and true again when it is back; alive all along", async () => {
    expect(await readiness()).toMatchObject({ http: 200, status: "ready", checks: { database: "ok" } });
    // The database stops taking connections, and those it had are cut.
    await admin.unsafe(`alter database "${database.name}" allow_connections false`);
    await admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${database.name}`;
    // Without Redis, a subgraph served on its own carries events through the database too, so
    // both checks name it once its listener has noticed.
    const down = await eventually("both checks down", readiness, (r) => r.checks.events !== "ok");
    expect(down).toMatchObject({ http: 503, status: "unavailable", checks: { events: "the database's LISTEN/NOTIFY is not connected" } });
    expect(down.checks.database).not.toBe("ok");
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);

    await admin.unsafe(`alter database "${database.name}" allow_connections true`);
    const back = await eventually("ready again", readiness, (r) => r.http === 200);
    expect(back).toMatchObject({ http: 200, status: "ready", checks: { database: "ok", events: "ok" } });
  });
});
