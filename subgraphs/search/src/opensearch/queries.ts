import { badUserInput } from "@localex/common";
import { markHighlight, MARK_START, MARK_STOP } from "../index-port/query-text.ts";
import type { SearchRequest, SearchResult, SortName } from "../index-port/search-index.ts";

/** The parts of an OpenSearch search response the adapter reads. */
export interface RawSearchResponse {
  hits: {
    total?: { value: number; relation?: "eq" | "gte" } | number;
    hits: {
      _id: string;
      _score: number | null;
      _source?: { title?: string };
      sort?: (string | number)[];
      highlight?: Record<string, string[]>;
    }[];
  };
  aggregations?: Record<string, { buckets: { key: string; doc_count: number }[] }>;
}

/**
 * What makes a document findable: ACTIVE, and not hidden by moderation. `must_not` rather than
 * `hidden: false`, so a document indexed before the field existed (no `hidden`) stays findable.
 */
const FINDABLE: object[] = [{ term: { status: "ACTIVE" } }, { bool: { must_not: [{ term: { hidden: true } }] } }];

function filters(request: SearchRequest): object[] {
  const clauses: object[] = [...FINDABLE];
  if (request.categoryIds) clauses.push({ terms: { categoryId: request.categoryIds } });
  if (request.conditions) clauses.push({ terms: { condition: request.conditions } });
  if (request.maxCredits != null) clauses.push({ range: { creditPrice: { lte: request.maxCredits } } });
  if (request.near) {
    const { lat, lon, radiusKm } = request.near;
    clauses.push({ geo_distance: { distance: `${radiusKm}km`, location: { lat, lon } } });
  }
  return clauses;
}

/** The user's text only ever goes into match queries, which have no syntax to abuse. */
function textQuery(text: string): object {
  return {
    bool: {
      should: [
        { multi_match: { query: text, fields: ["title^3", "description"], fuzziness: "AUTO", operator: "and" } },
        { multi_match: { query: text, type: "bool_prefix", fields: ["title.prefix^2", "title.prefix._2gram", "title.prefix._3gram"] } },
      ],
      minimum_should_match: 1,
    },
  };
}

function distanceSort(request: SearchRequest): object {
  const near = request.near ?? { lat: 0, lon: 0 };
  return { _geo_distance: { location: { lat: near.lat, lon: near.lon }, order: "asc", unit: "km" } };
}

function sortClause(request: SearchRequest): object[] {
  const tieBreak = (order: "asc" | "desc") => ({ id: { order } });
  const bySort: Record<SortName, () => object[]> = {
    RELEVANCE: () => [{ _score: { order: "desc" } }, tieBreak("asc")],
    NEWEST: () => [{ createdAt: { order: "desc" } }, tieBreak("desc")],
    DISTANCE: () => [distanceSort(request), tieBreak("asc")],
    CREDITS_ASC: () => [{ creditPrice: { order: "asc", missing: "_last" } }, tieBreak("asc")],
    CREDITS_DESC: () => [{ creditPrice: { order: "desc", missing: "_last" } }, tieBreak("desc")],
  };
  return bySort[request.sort]();
}

/** Matches counted exactly; past it OpenSearch stops counting and reports the bound ("gte"). */
export const EXACT_COUNT_LIMIT = 10_000;

export function buildSearchBody(request: SearchRequest): Record<string, unknown> {
  if (request.after && request.after.length !== sortClause(request).length) {
    throw badUserInput("`after` is not a cursor from this search.", "after");
  }
  return {
    size: request.first + 1,
    track_total_hits: EXACT_COUNT_LIMIT,
    _source: false,
    query: { bool: { filter: filters(request), ...(request.text ? { must: [textQuery(request.text)] } : {}) } },
    sort: sortClause(request),
    ...(request.after ? { search_after: request.after } : {}),
    // Facets over the whole filtered match: aggregations ignore size and search_after.
    aggs: {
      categories: { terms: { field: "categoryId", size: 100 } },
      conditions: { terms: { field: "condition", size: 10 } },
    },
    ...(request.text
      ? {
          highlight: {
            pre_tags: [MARK_START],
            post_tags: [MARK_STOP],
            fields: { title: { number_of_fragments: 0 }, description: { number_of_fragments: 2, fragment_size: 120 } },
          },
        }
      : {}),
  };
}

export function readSearchResponse(body: RawSearchResponse, request: SearchRequest): SearchResult {
  const total = body.hits.total;
  const hits = body.hits.hits;
  const buckets = (name: string) => (body.aggregations?.[name]?.buckets ?? []).map((b) => ({ value: String(b.key), count: b.doc_count }));
  return {
    totalCount: typeof total === "number" ? total : (total?.value ?? hits.length),
    // Aggregations always see every match, so only the total is ever a bound.
    totalCountIsExact: typeof total === "number" || total?.relation !== "gte",
    hasNextPage: hits.length > request.first,
    facets: { categories: buckets("categories"), conditions: buckets("conditions") },
    hits: hits.slice(0, request.first).map((h) => {
      const sortKey = h.sort ?? [];
      return {
        id: h._id,
        score: request.text ? (h._score ?? (typeof sortKey[0] === "number" ? sortKey[0] : null)) : null,
        distanceKm: request.sort === "DISTANCE" && typeof sortKey[0] === "number" ? sortKey[0] : null,
        sortKey,
        highlights: [...(h.highlight?.title ?? []), ...(h.highlight?.description ?? [])].map(markHighlight),
      };
    }),
  };
}

export function suggestBody(prefix: string, limit: number): Record<string, unknown> {
  return {
    size: limit * 3,
    _source: ["title"],
    query: {
      bool: {
        filter: FINDABLE,
        should: [
          { match_phrase_prefix: { "title.prefix": { query: prefix, boost: 3 } } },
          { multi_match: { query: prefix, type: "bool_prefix", fields: ["title.prefix", "title.prefix._2gram", "title.prefix._3gram"] } },
          { match: { title: { query: prefix, fuzziness: "AUTO" } } },
        ],
        minimum_should_match: 1,
      },
    },
    collapse: { field: "title.keyword" },
  };
}

export function similarQuery(index: string, id: string, first: number): Record<string, unknown> {
  return {
    size: first,
    _source: false,
    query: {
      bool: {
        filter: FINDABLE,
        must_not: [{ ids: { values: [id] } }],
        must: [
          {
            more_like_this: {
              fields: ["title", "description"],
              like: [{ _index: index, _id: id }],
              min_term_freq: 1,
              min_doc_freq: 1,
              max_query_terms: 25,
            },
          },
        ],
      },
    },
  };
}
