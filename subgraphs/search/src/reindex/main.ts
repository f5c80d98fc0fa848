// `pnpm search:reindex`: rebuilds the search index from every listing. Reaches the listings
// subgraph at LISTINGS_URL (or HOST:LISTINGS_PORT), as `pnpm serve search` would.
import { callerKeysFor, connect, createLogger, InternalClient, loadConfigOrExit, migrateSubgraph, SUBGRAPH_NAMES, SubgraphDirectory } from "@localex/common";
import { createSearchIndex } from "../index-port/create-index.ts";
import { reindexFromListings } from "../indexing/reindex.ts";

// Search's settings: DATABASE_URL is required (the reindex runs against the database the graph uses).
const config = loadConfigOrExit(process.env, "search");
const log = createLogger(config.app.logLevel, "localex-search-reindex");
const directory = new SubgraphDirectory();
const { urls, host, ports } = config.subgraphs;
for (const name of SUBGRAPH_NAMES) {
  directory.set(name, urls[name] ?? `http://${host}:${ports[name]}/graphql`);
}

await migrateSubgraph(config.database.url, "search");
const sql = connect(config.database.url, { max: 2, applicationName: "localex-search-reindex" });
const index = createSearchIndex(config.search, sql);
const internal = new InternalClient("search", callerKeysFor(config.callers, "search"), directory);
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
