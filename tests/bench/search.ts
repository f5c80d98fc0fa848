// `pnpm bench:search`: loads BENCH_DOCUMENTS (default 100 000; the targets are stated at
// 1 000 000) synthetic listing documents into the PostgreSQL search index with bulk SQL
// (search-seed.ts), then prints, through the adapter and through the gateway: a narrow search
// (words + 15 km radius), a broad one (a common word, no radius, facets and totalCount), a
// page of 20 with similar(first: 3) on every listing; PostgreSQL time per request, planning
// and execution (pg_stat_statements with track_planning), throughput of the pages under 32
// clients, index size, index lag, and SQL statements per request. Starts its own stack on a
// fresh database: an embedded PostgreSQL, restarted once with pg_stat_statements preloaded;
// with DATABASE_URL a new database on that server (PostgreSQL time is then printed only if
// pg_stat_statements is loaded there). Either way track_planning is set on the bench's database
// alone (ALTER DATABASE, a superuser's right), so a shared server's other databases are untouched.
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { connect, createLogger, loadConfig, TASKS, type Config, type ListingDocument, type Sql } from "@localex/common";
import { BENCH_RATE_LIMITS, gql, stage, useEmbeddedPostgres } from "./support.ts";
import { ADJECTIVES, CENTRE, NOUNS, seedDocuments } from "./search-seed.ts";
import { catalogueRoundTrips } from "./search-catalogue.ts";
import { ANY_PORTS, freshDatabase } from "../harness/databases.ts";
import { metricsUrlOf, scrape } from "../harness/metrics.ts";
import { startStack, type RunningStack } from "@localex/stack";
import { PostgresSearchIndex, SearchSort, toSearchRequest, type SearchArgs } from "../../subgraphs/search/src/index.ts";

const DOCUMENTS = Number(process.env.BENCH_DOCUMENTS ?? 100_000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 200);
const LAG_SAMPLES = 100;
const CLIENTS = 32;

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
const ms = (v: number) => `${v.toFixed(1)} ms`;
const p50p95 = (xs: number[]) => `p50 ${ms(percentile(xs, 50))}  p95 ${ms(percentile(xs, 95))}`;

const narrowSearch = (): SearchArgs => ({
  query: `${pick(ADJECTIVES)} ${pick(NOUNS)}`,
  filter: { near: { lat: CENTRE.lat + (Math.random() - 0.5), lon: CENTRE.lon + (Math.random() - 0.5) * 2, radiusKm: 15 }, maxCredits: 150 },
  first: 20,
});
/** One common word, no filter: a tenth of the index or more matches. */
const broadSearch = (): SearchArgs => ({ query: pick([...NOUNS, ...ADJECTIVES]), first: 20 });

const FACETS = "facets { categories { value count category { name slug } } conditions { value count } }";
const SEARCH = /* GraphQL */ `
  query Bench($query: String, $filter: SearchFilter, $first: Int) {
    search(query: $query, filter: $filter, first: $first) {
      totalCount totalCountIsExact edges { cursor score highlights node { id } }
      ${FACETS}
    }
  }
`;
const SIMILAR_PAGE = /* GraphQL */ `
  query BenchSimilar($query: String, $first: Int) {
    search(query: $query, first: $first) { edges { node { id similar(first: 3) { id } } } }
  }
`;
const PLAIN_PAGE = SIMILAR_PAGE.replace(" similar(first: 3) { id }", "");

async function post(url: string, query: string, variables: object): Promise<void> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as { errors?: unknown[] };
  if (body.errors) throw new Error(`request failed: ${JSON.stringify(body.errors)}`);
}

/**
 * Makes the sessions of the database at `url` opened from now on track planning time in
 * pg_stat_statements (a setting of the database, so no other database on the server changes).
 * Needs a superuser; false if refused.
 */
async function trackPlanning(url: string): Promise<boolean> {
  const admin = connect(url, { max: 1 });
  try {
    const [db] = await admin<{ name: string }[]>`select current_database() as name`;
    await admin`alter database ${admin(db!.name)} set pg_stat_statements.track_planning = on`;
    return true;
  } catch (error) {
    stage(`could not set pg_stat_statements.track_planning on the bench's database: ${String(error)}`);
    return false;
  } finally {
    await admin.end({ timeout: 5 });
  }
}

/** PostgreSQL time so far of every statement in this database except the job queue's, in ms. */
async function pgTime(sql: Sql): Promise<{ plan: number; exec: number } | null> {
  try {
    const [row] = await sql<{ plan: number; exec: number }[]>`
      select coalesce(sum(total_plan_time), 0)::float8 as plan, coalesce(sum(total_exec_time), 0)::float8 as exec from pg_stat_statements
      where dbid = (select oid from pg_database where datname = current_database()) and query not ilike '%graphile_worker%'`;
    return row ?? { plan: 0, exec: 0 };
  } catch {
    return null;
  }
}

/** Whether planning time is tracked (pg_stat_statements.track_planning on in the stack's sessions). */
let planningTracked = false;

/** Runs `count` calls of `run`, one at a time; prints p50/p95 and PostgreSQL time per call. */
async function measure(sql: Sql, label: string, count: number, run: () => Promise<void>): Promise<void> {
  const times: number[] = [];
  const pgBefore = await pgTime(sql);
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  const pgAfter = await pgTime(sql);
  const per = (k: "plan" | "exec") => (pgAfter![k] - pgBefore![k]) / count;
  const pg =
    pgBefore === null || pgAfter === null
      ? "PostgreSQL n/a"
      : planningTracked
        ? `PG plan+exec ${ms(per("plan") + per("exec"))} per request (plan ${ms(per("plan"))})`
        : `PG exec only ${ms(per("exec"))} per request`;
  console.log(`  ${label.padEnd(40)} ${p50p95(times)}  ${pg}`);
}

/** Requests per second with CLIENTS clients sending `total` requests between them. */
async function throughput(label: string, total: number, run: () => Promise<void>): Promise<void> {
  let sent = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (sent < total) {
        sent += 1;
        await run();
      }
    }),
  );
  console.log(`  ${label.padEnd(40)} ${(total / ((performance.now() - started) / 1000)).toFixed(1)} requests/s`);
}

async function openStack(env: NodeJS.ProcessEnv): Promise<{ config: Config; stack: RunningStack }> {
  const config = loadConfig({ ...env, ...BENCH_RATE_LIMITS });
  return { config, stack: await startStack(config, createLogger(config.app.logLevel)) };
}

async function main(): Promise<void> {
  const cleanups: (() => Promise<void>)[] = [];
  const env: NodeJS.ProcessEnv = { NODE_ENV: "test", LOG_LEVEL: "warn", ...ANY_PORTS, REDIS_URL: process.env.REDIS_URL };
  const embedded = !process.env.DATABASE_URL;
  let planning = false;
  if (!embedded) {
    const db = await freshDatabase(process.env.DATABASE_URL ?? "", "localex_bench_search");
    cleanups.push(db.drop);
    env.DATABASE_URL = db.url;
    planning = await trackPlanning(db.url);
  } else {
    await useEmbeddedPostgres(env, cleanups);
  }
  let { stack } = await openStack(env);
  if (embedded) {
    // pg_stat_statements needs a restart to load: once, on the bench's own server.
    const admin = connect(stack.databaseUrl, { max: 1 });
    await admin`alter system set shared_preload_libraries = 'pg_stat_statements'`;
    await admin.end({ timeout: 5 });
    planning = await trackPlanning(stack.databaseUrl);
    await stack.stop();
    ({ stack } = await openStack(env));
  }
  cleanups.unshift(() => stack.stop());
  const sql = connect(stack.databaseUrl, { max: 4, applicationName: "localex-bench" });
  cleanups.unshift(() => sql.end({ timeout: 5 }));
  await sql`create extension if not exists pg_stat_statements`.catch(() => undefined);
  // The setting is read in a session opened after it was set, as the stack's own were.
  const [tracked] = await sql<{ value: string | null }[]>`select current_setting('pg_stat_statements.track_planning', true) as value`;
  planningTracked = planning && tracked?.value === "on";
  const index = new PostgresSearchIndex(sql);
  const gateway = stack.gatewayUrl;

  try {
    console.log(`PostgreSQL: ${embedded ? "embedded" : "DATABASE_URL's server"}; SEARCH_ENGINE=postgres; ${DOCUMENTS} documents`);
    const unreadable = await sql`select 1 from pg_stat_statements limit 1`.then(
      () => null,
      (e: unknown) => String(e),
    );
    if (unreadable) console.log(`PostgreSQL time per request: n/a (pg_stat_statements cannot be read in the bench's database: ${unreadable})`);
    else if (planningTracked)
      console.log("PostgreSQL time per request (PG plan+exec): planning + execution, pg_stat_statements total_plan_time + total_exec_time (track_planning on)");
    else
      console.log(
        "PostgreSQL time per request (PG exec only): execution only, planning time NOT tracked (pg_stat_statements.track_planning could not be set on)",
      );
    const categories = await sql<{ id: string; slug: string }[]>`select id::text, slug from listings.categories order by position`;
    let started = performance.now();
    await seedDocuments(sql, DOCUMENTS, categories, (done) => stage(`seeded ${done}`));
    console.log(`Loaded ${DOCUMENTS} documents with bulk SQL (search-seed.ts) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const sizes = await sql<{ name: string; bytes: number }[]>`
      select c.relname as name, pg_total_relation_size(c.oid)::float8 as bytes from pg_class c
      join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'search' and c.relkind = 'r' order by 1`;
    for (const s of sizes) console.log(`Index size: search.${s.name} ${(s.bytes / 2 ** 20).toFixed(0)} MB (table, TOAST and indexes)`);

    const counts: Record<string, number[]> = { narrow: [], broad: [] };
    for (const [name, args] of [
      ["narrow", narrowSearch],
      ["broad", broadSearch],
    ] as const) {
      for (let i = 0; i < 20; i++) counts[name]!.push((await index.search(toSearchRequest(args()))).totalCount);
    }
    console.log(`\nSearches, first 20, ${QUERIES} each, one at a time (warm cache):`);
    console.log(`  narrow = two words + 15 km radius + maxCredits + facets (median totalCount ${percentile(counts.narrow!, 50)})`);
    console.log(`  broad  = one common word, no filter, facets + totalCount (median totalCount ${percentile(counts.broad!, 50)})`);
    await measure(sql, "narrow, adapter", QUERIES, async () => void (await index.search(toSearchRequest(narrowSearch()))));
    await measure(sql, "narrow, gateway", QUERIES, () => post(gateway, SEARCH, narrowSearch()));
    await measure(sql, "broad, adapter", QUERIES, async () => void (await index.search(toSearchRequest(broadSearch()))));
    await measure(sql, "broad, gateway", QUERIES, () => post(gateway, SEARCH, broadSearch()));

    const pages: string[][] = [];
    for (const word of [...NOUNS, ...ADJECTIVES]) pages.push((await index.search(toSearchRequest({ query: word, first: 20 }))).hits.map((h) => h.id));
    console.log(`\nSimilar: a broad search's page of 20, similar(first: 3) on each listing:`);
    // Bulk-loaded documents have no neighbour lists yet (a listing indexed by a job gets its own
    // when indexed): the first read of each page computes them, once, as after an upgrade.
    await measure(
      sql,
      "first read of each page (computes lists)",
      pages.length,
      async () => void (await index.similar(pages.shift()!, 3).then((r) => pages.push([...r.keys()]))),
    );
    let n = 0;
    await measure(sql, "similar for 20 ids, adapter", QUERIES, async () => void (await index.similar(pages[n++ % pages.length]!, 3)));
    await measure(sql, "search page + similar, gateway", QUERIES, () => post(gateway, SIMILAR_PAGE, broadSearch()));
    await measure(sql, "search page alone, gateway", QUERIES, () => post(gateway, PLAIN_PAGE, broadSearch()));
    console.log(`Throughput, ${CLIENTS} concurrent clients:`);
    await throughput("search page + similar", QUERIES * 2, () => post(gateway, SIMILAR_PAGE, broadSearch()));
    await throughput("search page alone", QUERIES * 2, () => post(gateway, PLAIN_PAGE, broadSearch()));
    await throughput("broad search with facets", QUERIES * 2, () => post(gateway, SEARCH, broadSearch()));

    // Index lag: a committed search:index-listing job until the listing is searchable.
    const lags: number[] = [];
    for (let i = 0; i < LAG_SAMPLES; i++) {
      const now = new Date().toISOString();
      const doc: ListingDocument = {
        id: randomUUID(),
        ownerId: randomUUID(),
        title: `Lagprobe${randomUUID().replaceAll("-", "").slice(0, 12)} ${pick(ADJECTIVES)} ${pick(NOUNS)}`,
        description: "A probe.",
        categoryId: pick(categories).id,
        categorySlug: "bench",
        condition: "GOOD",
        status: "ACTIVE",
        creditPrice: 10,
        location: { lat: CENTRE.lat, lon: CENTRE.lon },
        createdAt: now,
        updatedAt: now,
        version: 1,
        hidden: false,
      };
      await sql`select graphile_worker.add_job(${TASKS.indexListing}::text, ${JSON.stringify({ listing: doc })}::text::json)`;
      started = performance.now();
      const probe = toSearchRequest({ query: doc.title.split(" ")[0], first: 1 });
      while ((await index.search(probe)).hits.length === 0) await new Promise((r) => setTimeout(r, 2));
      lags.push(performance.now() - started);
    }
    console.log(`\nIndex lag, job committed → searchable (${LAG_SAMPLES} listings, polled every 2 ms): ${p50p95(lags)}`);

    // SQL statements per request: every pool's count (localex_sql_statements_total, by
    // application) from one scrape: the stack is one process, one registry on every port. Each
    // scrape itself sends one statement (the job-queue gauge's count), taken off.
    const metricsUrl = metricsUrlOf(stack.subgraphs[0]!.url);
    const counted = async () =>
      [...(await scrape(metricsUrl))].filter(([name]) => name.startsWith("localex_sql_statements_total{")).reduce((sum, [, value]) => sum + value, 0);
    let last = await counted();
    const statements = async () => {
      const now = await counted();
      const spent = now - last - 1;
      last = now;
      return spent;
    };
    const SIMILAR = SEARCH.replace("node { id }", "node { id similar(first: 3) { id } }");
    console.log("\nSQL statements per request (all subgraphs):");
    for (const [label, query] of [
      ["search", SEARCH],
      ["search + similar(first: 3) on every node", SIMILAR],
    ] as const) {
      for (const first of [10, 50]) {
        await statements();
        const { search } = await gql<{ search: { edges: unknown[] } }>(gateway, query, { query: pick(NOUNS), first, sort: SearchSort.RELEVANCE });
        console.log(`  ${label}, page of ${first} (${search.edges.length} edges): ${await statements()}`);
      }
    }

    // The synthetic documents exist only in the index; similar() over them would name listings
    // the listings subgraph has never heard of. From here on the index holds real listings only.
    await sql`truncate search.listing_documents cascade`;
    await catalogueRoundTrips(gateway, statements);
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((e: unknown) => console.error(e));
  }
}

await main();
process.exit(0);
