import type { Config, Sql } from "@localex/common";
import { OpenSearchIndex } from "../opensearch/opensearch-index.ts";
import { PostgresSearchIndex } from "../postgres/postgres-index.ts";
import type { SearchIndex } from "./search-index.ts";

/** The adapter SEARCH_ENGINE names; config.ts has already checked OPENSEARCH_URL is set for OpenSearch. */
export function createSearchIndex(config: Config, sql: Sql): SearchIndex {
  if (config.SEARCH_ENGINE === "opensearch") {
    if (!config.OPENSEARCH_URL) throw new Error("SEARCH_ENGINE=opensearch needs OPENSEARCH_URL");
    return new OpenSearchIndex({ url: config.OPENSEARCH_URL, alias: config.OPENSEARCH_INDEX });
  }
  return new PostgresSearchIndex(sql);
}
