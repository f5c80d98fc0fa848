import type { Config, Sql } from "@localex/common";
import { OpenSearchIndex } from "../opensearch/opensearch-index.ts";
import { PostgresSearchIndex } from "../postgres/postgres-index.ts";
import type { SearchIndex } from "./search-index.ts";

/** The adapter SEARCH_ENGINE names. */
export function createSearchIndex(search: Config["search"], sql: Sql): SearchIndex {
  if (search.engine === "opensearch") return new OpenSearchIndex({ url: search.url, alias: search.index });
  return new PostgresSearchIndex(sql);
}
