import { badUserInput } from "@localex/common";
import { cleanQueryText } from "../index-port/query-text.ts";
import type { SearchIndex, SearchRequest } from "../index-port/search-index.ts";
import { searchCursor, toSearchRequest, type SearchArgs } from "./search-args.ts";
import type { FindableListings } from "./findable-listings.ts";
import type { SearchConnection } from "./search.type.ts";

export const SUGGEST_DEFAULT = 10;
export const SUGGEST_MAX = 20;
export const SIMILAR_DEFAULT = 5;
export const SIMILAR_MAX = 20;

function limitArg(value: number | null | undefined, fallback: number, max: number, field: string): number {
  if (value == null) return fallback;
  if (value < 0) throw badUserInput(`\`${field}\` must be zero or more.`, field);
  return Math.min(value, max);
}

export class SearchService {
  constructor(
    readonly index: SearchIndex,
    private readonly findable: FindableListings,
  ) {}

  async search(args: SearchArgs): Promise<SearchConnection> {
    const request: SearchRequest = toSearchRequest(args);
    const result = await this.index.search(request);
    const kept = new Set(await this.findable.keep(result.hits.map((hit) => hit.id)));
    // Cursors and paging come from the index's page, so a hit left out moves no other.
    const edges = result.hits
      .filter((hit) => kept.has(hit.id))
      .map((hit) => ({
        cursor: searchCursor(request.sort, hit.sortKey),
        node: { id: hit.id },
        score: hit.score,
        highlights: hit.highlights,
        distanceKm: hit.distanceKm,
      }));
    return {
      edges,
      totalCount: result.totalCount,
      totalCountIsExact: result.totalCountIsExact,
      facets: {
        categories: result.facets.categories.map((f) => ({ ...f, category: { id: f.value } })),
        conditions: result.facets.conditions.map((f) => ({ ...f, category: null })),
      },
      pageInfo: {
        hasNextPage: result.hasNextPage,
        hasPreviousPage: request.after !== null,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: result.hits.length > 0 ? searchCursor(request.sort, result.hits.at(-1)!.sortKey) : null,
      },
    };
  }

  async suggest(prefix: string, limit: number | null | undefined): Promise<string[]> {
    const n = limitArg(limit, SUGGEST_DEFAULT, SUGGEST_MAX, "limit");
    const text = cleanQueryText(prefix, "prefix", 100);
    if (!text || n === 0) return [];
    return this.index.suggest(text, n);
  }

  /** Listing.similar for each listing: the index's neighbours that are still findable. */
  async similar(ids: readonly string[], first: number): Promise<Map<string, string[]>> {
    const similar = await this.index.similar(ids, first);
    const kept = new Set(await this.findable.keep([...new Set([...similar.values()].flat())]));
    return new Map([...similar].map(([id, neighbours]) => [id, neighbours.filter((n) => kept.has(n))]));
  }

  /** `first` for Listing.similar: default 5, at most 20. */
  similarCount(first: number | null | undefined): number {
    return limitArg(first, SIMILAR_DEFAULT, SIMILAR_MAX, "first");
  }
}
