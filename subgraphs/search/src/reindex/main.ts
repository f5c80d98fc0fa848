// `pnpm search:reindex`: rebuilds the search index from every listing. Reaches the listings
// subgraph at LISTINGS_URL (or HOST:LISTINGS_PORT), as `pnpm serve search` would.
import {
  callerKeysFor,
  connect,
  createLogger,
  InternalClient,
  loadConfigOrExit,
  migrateSubgraph,
  SUBGRAPH_NAMES,
  SubgraphDirectory,
  subgraphPort,
  subgraphUrlOverrides,
} from "@localex/common";
import { createSearchIndex } from "../index-port/create-index.ts";
import { reindexFromListings } from "../indexing/reindex.ts";

const config = loadConfigOrExit(process.env, "search");
if (!config.DATABASE_URL) {
  console.error("DATABASE_URL is required: the reindex runs against the database the graph uses.");
  process.exit(1);
}
const log = createLogger(config.LOG_LEVEL, "localex-search-reindex");
const directory = new SubgraphDirectory();
const overrides = subgraphUrlOverrides(config);
for (const name of SUBGRAPH_NAMES) {
  directory.set(name, overrides[name] ?? `http://${config.SUBGRAPH_HOST}:${subgraphPort(config, name)}/graphql`);
}

await migrateSubgraph(config.DATABASE_URL, "search");
const sql = connect(config.DATABASE_URL, { max: 2, applicationName: "localex-search-reindex" });
const index = createSearchIndex(config, sql);
const internal = new InternalClient("search", callerKeysFor(config, "search"), directory);
const started = Date.now();
try {
  await index.prepare();
  const { documents } = await reindexFromListings(index, internal, log);
  console.log(`Reindexed ${documents} listing documents into ${index.engine} in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
} catch (e) {
  console.error("Reindex failed:", e instanceof Error ? e.message : e);
  process.exitCode = 1;
} finally {
  await internal.close();
  await index.close();
  await sql.end({ timeout: 5 });
}
