import type { ListingDocument, Sql } from "@localex/common";
import type { SearchIndex, SearchRequest, SearchResult, UpsertOutcome } from "../index-port/search-index.ts";
import { writeDocuments } from "./documents.ts";
import { runSearch } from "./search-query.ts";

const SIMILAR_CANDIDATES = 300;

/** `\`, `%` and `_` are literal in a prefix the user typed. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The default adapter: the `search` schema in the subgraph's PostgreSQL (tsvector, pg_trgm, GiST). */
export class PostgresSearchIndex implements SearchIndex {
  readonly engine = "postgres";

  constructor(private readonly sql: Sql) {}

  async prepare(): Promise<void> {
    // The table, its indexes and pg_trgm come with the subgraph's migrations.
  }

  async upsert(document: ListingDocument): Promise<UpsertOutcome> {
    const written = await writeDocuments(this.sql, [document]);
    return written.length > 0 ? "indexed" : "stale";
  }

  async upsertMany(documents: readonly ListingDocument[]): Promise<number> {
    return (await writeDocuments(this.sql, documents)).length;
  }

  async rebuild(pages: AsyncIterable<readonly ListingDocument[]>): Promise<{ documents: number }> {
    // Rows the rebuild did not write (nor a job after it started) belong to listings that are gone.
    const [{ started } = { started: new Date() }] = await this.sql<{ started: Date }[]>`select clock_timestamp() as started`;
    let documents = 0;
    for await (const page of pages) {
      await writeDocuments(this.sql, page);
      documents += page.length;
    }
    await this.sql`delete from search.listing_documents where indexed_at < ${started}`;
    return { documents };
  }

  search(request: SearchRequest): Promise<SearchResult> {
    return runSearch(this.sql, request);
  }

  async suggest(prefix: string, limit: number): Promise<string[]> {
    const rows = await this.sql<{ title: string }[]>`
      select title from search.listing_documents
      where status = 'ACTIVE' and (title ilike ${`${escapeLike(prefix)}%`} or ${prefix} <% title)
      group by title
      order by max((title ilike ${`${escapeLike(prefix)}%`})::int + word_similarity(${prefix}, title)) desc, title
      limit ${limit}`;
    return rows.map((r) => r.title);
  }

  async similar(ids: readonly string[], first: number): Promise<Map<string, string[]>> {
    const result = new Map<string, string[]>(ids.map((id) => [id, []]));
    if (ids.length === 0 || first === 0) return result;
    // Candidates share a title word (tsvector, OR of the source title's words) or look alike
    // (trigrams); ranked by both, with a nudge for the same category.
    const rows = await this.sql<{ source: string; id: string }[]>`
      with s as (
        select id, title, category_id,
               websearch_to_tsquery('english', regexp_replace(title, '[^[:alnum:]]+', ' or ', 'g')) as q
        from search.listing_documents where id = any(${[...ids]}::uuid[])
      )
      select s.id as source, m.id from s
      cross join lateral (
        select c.id from (
          -- A bounded candidate set, so a title of common words costs the same as a rare one.
          select d.id, d.document, d.title, d.category_id from search.listing_documents d
          where d.status = 'ACTIVE' and d.id <> s.id and (d.document @@ s.q or d.title % s.title)
          limit ${SIMILAR_CANDIDATES}
        ) c
        order by ts_rank(c.document, s.q) + similarity(c.title, s.title)
                 + case when c.category_id = s.category_id then 0.2 else 0 end desc, c.id
        limit ${first}
      ) m`;
    for (const row of rows) result.get(row.source)?.push(row.id);
    return result;
  }

  async close(): Promise<void> {
    // The connection pool belongs to the subgraph runtime.
  }
}
