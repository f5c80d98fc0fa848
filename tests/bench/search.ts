// `pnpm bench:search`: seeds 100 000 listing documents into the PostgreSQL search index and
// prints search latency (through the gateway and through the adapter), index lag from job
// commit to searchable, and SQL statements per search request. Starts its own stack on a
// fresh database (a new database on DATABASE_URL's server, or an embedded PostgreSQL).
import { randomUUID } from "node:crypto";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, createLogger, loadConfig, TASKS, type ListingDocument } from "@localex/common";
import { BENCH_RATE_LIMITS, gql } from "./support.ts";
import { ANY_PORTS, freePort, freshDatabase } from "../harness/databases.ts";
import { startStack } from "@localex/stack";
import { PostgresSearchIndex, SearchSort, toSearchRequest } from "../../subgraphs/search/src/index.ts";

const DOCUMENTS = Number(process.env.BENCH_DOCUMENTS ?? 100_000);
const QUERIES = 200;
const LAG_SAMPLES = 100;

const NOUNS = "bicycle chair table lamp guitar kettle sofa desk shelf mirror drill ladder tent stroller camera jacket boots skis piano rug blender toaster heater fan bookcase wardrobe bench printer monitor keyboard".split(" ");
const ADJECTIVES = "red blue green vintage modern wooden metal small large old new folding electric acoustic leather oak pine steel glass portable".split(" ");
const CONDITIONS = ["NEW", "LIKE_NEW", "GOOD", "FAIR", "POOR"] as const;
const CATEGORIES = Array.from({ length: 30 }, () => randomUUID());
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
const CENTRE = { lat: 59.91, lon: 10.75 };

function randomDocument(): ListingDocument {
  const noun = pick(NOUNS);
  const created = new Date(Date.now() - Math.random() * 365 * 86_400_000).toISOString();
  return {
    id: randomUUID(),
    ownerId: randomUUID(),
    title: `${pick(ADJECTIVES)} ${pick(ADJECTIVES)} ${noun}`,
    description: `A ${pick(ADJECTIVES)} ${noun} in ${pick(["great", "fair", "decent"])} shape, with a ${pick(NOUNS)} and a ${pick(NOUNS)}.`,
    categoryId: pick(CATEGORIES),
    categorySlug: "bench",
    condition: pick(CONDITIONS),
    status: Math.random() < 0.9 ? "ACTIVE" : "ARCHIVED",
    creditPrice: Math.random() < 0.2 ? null : Math.floor(Math.random() * 200),
    location: { lat: CENTRE.lat + (Math.random() - 0.5) * 2, lon: CENTRE.lon + (Math.random() - 0.5) * 4 },
    createdAt: created,
    updatedAt: created,
    version: 1,
  };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
const ms = (v: number) => `${v.toFixed(1)} ms`;

function randomSearch() {
  return {
    query: `${pick(ADJECTIVES)} ${pick(NOUNS)}`,
    filter: {
      near: { lat: CENTRE.lat + (Math.random() - 0.5), lon: CENTRE.lon + (Math.random() - 0.5) * 2, radiusKm: 15 },
      maxCredits: 150,
    },
    first: 20,
  };
}

const SEARCH = /* GraphQL */ `
  query Bench($query: String, $filter: SearchFilter, $first: Int) {
    search(query: $query, filter: $filter, first: $first) {
      totalCount edges { cursor score highlights node { id } }
      facets { categories { value count } conditions { value count } }
    }
  }
`;

async function main(): Promise<void> {
  const cleanups: (() => Promise<void>)[] = [];
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: "test",
    LOG_LEVEL: "warn",
    ...ANY_PORTS,
    REDIS_URL: process.env.REDIS_URL,
  };
  if (process.env.DATABASE_URL) {
    const db = await freshDatabase(process.env.DATABASE_URL, "localex_bench_search");
    cleanups.push(db.drop);
    env.DATABASE_URL = db.url;
  } else {
    const dataDir = await mkdtemp(join(tmpdir(), "localex-bench-"));
    await chmod(dataDir, 0o755);
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    env.DATA_DIR = dataDir;
    env.EMBEDDED_POSTGRES_PORT = String(await freePort());
  }
  const config = loadConfig({ ...env, ...BENCH_RATE_LIMITS });
  const stack = await startStack(config, createLogger(config.LOG_LEVEL));
  cleanups.unshift(stack.stop);
  const sql = connect(stack.databaseUrl, { max: 4, applicationName: "localex-bench" });
  cleanups.unshift(() => sql.end({ timeout: 5 }));
  const index = new PostgresSearchIndex(sql);

  try {
    console.log(`PostgreSQL: ${process.env.DATABASE_URL ? "DATABASE_URL's server" : "embedded"}; SEARCH_ENGINE=postgres`);
    let started = performance.now();
    for (let done = 0; done < DOCUMENTS; done += 5000) {
      await index.upsertMany(Array.from({ length: Math.min(5000, DOCUMENTS - done) }, randomDocument));
    }
    await sql`analyze search.listing_documents`;
    console.log(`Seeded ${DOCUMENTS} documents through the adapter's bulk upsert in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    // Latency of text + geo + facets searches.
    const viaAdapter: number[] = [];
    const viaGateway: number[] = [];
    const totals: number[] = [];
    for (let i = 0; i < QUERIES; i++) {
      const args = randomSearch();
      started = performance.now();
      const result = await index.search(toSearchRequest(args));
      viaAdapter.push(performance.now() - started);
      totals.push(result.totalCount);
      started = performance.now();
      const response = await fetch(stack.gatewayUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: SEARCH, variables: args }),
      });
      const body = (await response.json()) as { errors?: unknown[] };
      if (body.errors) throw new Error(`search failed: ${JSON.stringify(body.errors)}`);
      viaGateway.push(performance.now() - started);
    }
    console.log(`\nText + geo (15 km) + maxCredits + facets, first 20, ${QUERIES} queries (median ${percentile(totals, 50)} matches):`);
    console.log(`  adapter (PostgresSearchIndex.search): p50 ${ms(percentile(viaAdapter, 50))}  p95 ${ms(percentile(viaAdapter, 95))}`);
    console.log(`  gateway (HTTP, GraphQL, federation):  p50 ${ms(percentile(viaGateway, 50))}  p95 ${ms(percentile(viaGateway, 95))}`);

    // Index lag: a committed search:index-listing job until the listing is searchable.
    const lags: number[] = [];
    for (let i = 0; i < LAG_SAMPLES; i++) {
      const doc = { ...randomDocument(), status: "ACTIVE" as const, title: `lagprobe${randomUUID().replaceAll("-", "").slice(0, 12)}` };
      await sql`select graphile_worker.add_job(${TASKS.indexListing}::text, ${JSON.stringify({ listing: doc })}::text::json)`;
      started = performance.now();
      for (;;) {
        const found = await index.search(toSearchRequest({ query: doc.title, first: 1 }));
        if (found.hits.length > 0) break;
        await new Promise((r) => setTimeout(r, 2));
      }
      lags.push(performance.now() - started);
    }
    console.log(`\nIndex lag, job committed → searchable (${LAG_SAMPLES} listings, polled every 2 ms): p50 ${ms(percentile(lags, 50))}  p95 ${ms(percentile(lags, 95))}`);

    // SQL statements per request, summed over every subgraph's /metrics.
    const metricsUrls = stack.subgraphs.map((s) => s.url.replace(/\/graphql$/, "/metrics"));
    const statements = async () => {
      const counts = await Promise.all(metricsUrls.map(async (u) => ((await (await fetch(u)).json()) as { sqlStatements: number }).sqlStatements));
      return counts.reduce((a, b) => a + b, 0);
    };
    const SIMILAR = SEARCH.replace("node { id }", "node { id similar(first: 3) { id } }");
    console.log("\nSQL statements per request (all subgraphs):");
    for (const [label, query] of [["search", SEARCH], ["search + similar(first: 3) on every node", SIMILAR]] as const) {
      for (const first of [10, 50]) {
        const before = await statements();
        const response = await fetch(stack.gatewayUrl, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ query, variables: { ...randomSearch(), filter: null, first, query: pick(NOUNS), sort: SearchSort.RELEVANCE } }),
        });
        const body = (await response.json()) as { errors?: unknown[]; data?: { search: { edges: unknown[] } } };
        if (body.errors) throw new Error(JSON.stringify(body.errors));
        console.log(`  ${label}, page of ${first} (${body.data?.search.edges.length} edges): ${(await statements()) - before}`);
      }
    }

    // The synthetic documents exist only in the index; similar() over them would name listings
    // the listings subgraph has never heard of. From here on the index holds real listings only.
    await sql`delete from search.listing_documents where category_slug = 'bench'`;
    await catalogueRoundTrips(stack.gatewayUrl, statements);
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((e: unknown) => console.error(e));
  }
}

const CATALOGUE_PAGE = /* GraphQL */ `
  query ($first: Int) {
    listings(first: $first) {
      edges { node { title category { name } owner { displayName } similar(first: 3) { title owner { displayName } } } }
    }
  }
`;

/**
 * Real listings, created and published through the gateway: a page with each listing's
 * owner (identity), category (listings) and similar listings (search) with their owners.
 */
async function catalogueRoundTrips(url: string, statements: () => Promise<number>): Promise<void> {
  const { categories } = await gql<{ categories: { id: string }[] }>(url, `{ categories { id } }`);
  const words = ["oak", "table", "lamp", "chair", "bike", "drill", "kettle", "shelf"];
  for (let owner = 0; owner < 3; owner++) {
    const input = { email: `bench-owner-${owner}-${randomUUID()}@localex.bench`, password: "correct horse battery", displayName: `Owner ${owner}` };
    const { register } = await gql<{ register: { accessToken: string } }>(
      url,
      `mutation ($input: RegisterInput!) { register(input: $input) { accessToken } }`,
      { input },
    );
    for (let i = 0; i < 20; i++) {
      const title = `${pick(words)} ${pick(words)} ${owner}-${i}`;
      const { createListing } = await gql<{ createListing: { listing: { id: string } } }>(
        url,
        `mutation ($input: CreateListingInput!) { createListing(input: $input) { listing { id } } }`,
        { input: { title, description: `A ${title} in fine shape`, categoryId: categories[i % categories.length]!.id, condition: "GOOD" } },
        register.accessToken,
      );
      await gql(url, `mutation ($id: ID!) { publishListing(id: $id) { errors { code } } }`, { id: createListing.listing.id }, register.accessToken);
    }
  }
  await new Promise((r) => setTimeout(r, 1500)); // let the index catch up with the last jobs
  console.log("\nSQL statements per request (all subgraphs), real listings with owner, category and similar (with owners):");
  for (const first of [10, 50]) {
    const before = await statements();
    const { listings } = await gql<{ listings: { edges: unknown[] } }>(url, CATALOGUE_PAGE, { first });
    console.log(`  listings, page of ${first} (${listings.edges.length} edges): ${(await statements()) - before}`);
  }
}

await main();
process.exit(0);
