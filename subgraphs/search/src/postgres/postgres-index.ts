import type { ListingDocument, Sql } from "@localex/common";
import type { SearchIndex, SearchRequest, SearchResult, UpsertOutcome } from "../index-port/search-index.ts";
import { writeDocuments } from "./documents.ts";
import { EXACT_COUNT_LIMIT, runSearch } from "./search-query.ts";
import { fillMissingNeighbours, readNeighbours, refreshNeighbours } from "./similar.ts";

/** `\`, `%` and `_` are literal in a prefix the user typed. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The default adapter: the `search` schema in the subgraph's PostgreSQL (tsvector, pg_trgm, GiST). */
export class PostgresSearchIndex implements SearchIndex {
  readonly engine = "postgres";
  readonly exactCountLimit = EXACT_COUNT_LIMIT;

  constructor(private readonly sql: Sql) {}

  async prepare(): Promise<void> {
    // The table, its indexes and pg_trgm come with the subgraph's migrations.
  }

  async upsert(document: ListingDocument): Promise<UpsertOutcome> {
    const written = await writeDocuments(this.sql, [document]);
    await refreshNeighbours(this.sql, written);
    return written.length > 0 ? "indexed" : "stale";
  }

  async upsertMany(documents: readonly ListingDocument[]): Promise<number> {
    const written = await writeDocuments(this.sql, documents);
    await refreshNeighbours(this.sql, written);
    return written.length;
  }

  async rebuild(pages: AsyncIterable<readonly ListingDocument[]>): Promise<{ documents: number }> {
    // Rows the rebuild did not write (nor a job after it started) belong to listings that are gone.
    // Neighbour lists are kept (a gone listing's goes with it); listings without one get theirs
    // at the end, so no reader pays for computing it.
    const [{ started } = { started: new Date() }] = await this.sql<{ started: Date }[]>`select clock_timestamp() as started`;
    let documents = 0;
    for await (const page of pages) {
      await writeDocuments(this.sql, page);
      documents += page.length;
    }
    await this.sql`delete from search.listing_documents where indexed_at < ${started}`;
    await this.fillNeighbours();
    return { documents };
  }

  /** Computes the similar lists missing after a bulk load or an upgrade (see docs/search.md). */
  fillNeighbours(onProgress?: (filled: number) => void): Promise<number> {
    return fillMissingNeighbours(this.sql, { onProgress });
  }

  async search(request: SearchRequest): Promise<SearchResult> {
    // The best plan depends on the words: a common one is found fastest by scanning the table
    // until enough matches (a LIMIT), a rare one through the text index. Only a plan made for
    // the actual words knows which, so the statement is never run with a cached generic plan
    // (which postgres.js's prepared statements would get after five runs). Pipelined: the
    // setting and the search go in one round trip.
    return (
      await this.sql.begin((tx) => {
        // execute(): sent now, before the search (postgres.js sends a query when first awaited).
        // synchronize_seqscans off: a scan for the first matches must start at the table's first
        // block every time, or the same search would rank (and page through) other candidates.
        // No parallel workers: a search near a point reads a few thousand rows by place, and starting
        // workers for them cost more than they saved (15 ms → 60 ms for one word in 15 km, 2 cores).
        const custom =
          tx`select set_config('plan_cache_mode', 'force_custom_plan', true), set_config('synchronize_seqscans', 'off', true), set_config('max_parallel_workers_per_gather', '0', true)`.execute();
        return Promise.all([custom, runSearch(tx, request)]);
      })
    )[1];
  }

  async suggest(prefix: string, limit: number): Promise<string[]> {
    const rows = await this.sql<{ title: string }[]>`
      select title from search.listing_documents
      where status = 'ACTIVE' and not hidden and (title ilike ${`${escapeLike(prefix)}%`} or ${prefix} <% title)
      group by title
      order by max((title ilike ${`${escapeLike(prefix)}%`})::int + word_similarity(${prefix}, title)) desc, title
      limit ${limit}`;
    return rows.map((r) => r.title);
  }

  async similar(ids: readonly string[], first: number): Promise<Map<string, string[]>> {
    if (ids.length === 0 || first === 0) return new Map(ids.map((id) => [id, []]));
    // Lists are computed when a listing is indexed; one indexed before lists existed gets its
    // list here, once.
    const read = await readNeighbours(this.sql, ids, first);
    if (read.missing.length === 0) return read.neighbours;
    await refreshNeighbours(this.sql, read.missing);
    const late = await readNeighbours(this.sql, read.missing, first);
    for (const [id, similar] of late.neighbours) read.neighbours.set(id, similar);
    return read.neighbours;
  }

  async close(): Promise<void> {
    // The connection pool belongs to the subgraph runtime.
  }
}
