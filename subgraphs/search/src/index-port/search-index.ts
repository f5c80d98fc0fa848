import type { ItemConditionName, ListingDocument } from "@localex/common";

/** The sorts a search can ask for; DISTANCE needs a `near` filter. */
export type SortName = "RELEVANCE" | "NEWEST" | "DISTANCE" | "CREDITS_ASC" | "CREDITS_DESC";

export interface GeoRadius {
  lat: number;
  lon: number;
  radiusKm: number;
}

/** A validated search: text already cleaned (see query-text.ts), sort already resolved. */
export interface SearchRequest {
  /** Cleaned user text, or null for "everything that matches the filter". */
  text: string | null;
  categoryIds: string[] | null;
  conditions: ItemConditionName[] | null;
  near: GeoRadius | null;
  maxCredits: number | null;
  sort: SortName;
  first: number;
  /** The sort key of the last hit seen, as the adapter produced it. */
  after: (string | number)[] | null;
}

export interface SearchHit {
  id: string;
  /** Relevance, when the search had text. */
  score: number | null;
  /** Fragments with matches wrapped in <mark>…</mark>; the text around them is HTML-escaped. */
  highlights: string[];
  distanceKm: number | null;
  /** The hit's sort key, opaque outside the adapter; becomes the edge's cursor. */
  sortKey: (string | number)[];
}

export interface FacetCount {
  value: string;
  count: number;
}

export interface SearchResult {
  hits: SearchHit[];
  hasNextPage: boolean;
  /** Exact up to the adapter's limit (1 000 on PostgreSQL, 10 000 on OpenSearch); past it, see totalCountIsExact. */
  totalCount: number;
  /**
   * False when more listings matched than the adapter counts exactly: totalCount is then an
   * estimate above that limit (PostgreSQL: from a block sample; OpenSearch: the lower bound),
   * and facet counts are estimates too (PostgreSQL: from the same sample).
   */
  totalCountIsExact: boolean;
  facets: { categories: FacetCount[]; conditions: FacetCount[] };
}

export type UpsertOutcome = "indexed" | "stale";

/**
 * The search index of listings, whichever engine holds it. Adapters: PostgreSQL (the
 * default, tsvector + pg_trgm) and OpenSearch; chosen by SEARCH_ENGINE.
 */
export interface SearchIndex {
  readonly engine: "postgres" | "opensearch";
  /** Matches counted exactly; past it totalCount is an estimate (SearchResult.totalCountIsExact). */
  readonly exactCountLimit: number;
  /** Creates what the engine needs (OpenSearch: the first index behind the alias). */
  prepare(): Promise<void>;
  /** Stores the snapshot unless the index holds a newer version of the listing. */
  upsert(document: ListingDocument): Promise<UpsertOutcome>;
  /** The same for many documents in one round trip; returns how many were stored. */
  upsertMany(documents: readonly ListingDocument[]): Promise<number>;
  /**
   * Rebuilds the index from every listing, page by page; listings absent from the source
   * disappear. OpenSearch builds a new index and swaps the alias to it atomically.
   */
  rebuild(pages: AsyncIterable<readonly ListingDocument[]>): Promise<{ documents: number }>;
  search(request: SearchRequest): Promise<SearchResult>;
  /** Distinct titles of findable listings that start with, or nearly match, the prefix. */
  suggest(prefix: string, limit: number): Promise<string[]>;
  /** For each listing id, up to `first` findable listings like it (never itself). One round trip. */
  similar(ids: readonly string[], first: number): Promise<Map<string, string[]>>;
  close(): Promise<void>;
}
