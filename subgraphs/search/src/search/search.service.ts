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

/** The most ids one findability question holds (listings' own bound). */
const FINDABLE_ASK_MAX = 2000;

/** A search page, and each hit's similar listings by `similar(first:)` count where they were asked for with it. */
export interface SearchPage {
  page: SearchConnection;
  similar: Map<number, Map<string, string[]>>;
}

/** Each list without the listings that are no longer findable. */
function keptOnly(lists: Map<string, string[]>, kept: Set<string>): Map<string, string[]> {
  return new Map([...lists].map(([id, neighbours]) => [id, neighbours.filter((n) => kept.has(n))]));
}

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

  /**
   * A page of hits. With `similarFirsts` (each `similar(first:)` the operation asks of the hits:
   * selected-similar.ts), their similar listings are found too, and one question to listings
   * says which of hits and neighbours alike are still findable; `similar` maps each count to
   * the hits' neighbours, for the field's loader.
   */
  async search(args: SearchArgs, similarFirsts: readonly (number | null)[] = []): Promise<SearchPage> {
    const request: SearchRequest = toSearchRequest(args);
    const result = await this.index.search(request);
    const hitIds = result.hits.map((hit) => hit.id);
    const counts =
      hitIds.length === 0 ? [] : [...new Set(similarFirsts.filter((n) => n === null || n >= 0).map((n) => this.similarCount(n)))].filter((n) => n > 0);
    // Bounded as listings bounds one question; past it, `similar` asks on its own.
    const asked = counts.reduce((sum, n) => sum + n * hitIds.length, hitIds.length);
    const neighbourLists = asked <= FINDABLE_ASK_MAX ? await Promise.all(counts.map((n) => this.index.similar(hitIds, n))) : [];
    const neighbours = neighbourLists.flatMap((lists) => [...lists.values()].flat());
    const kept = new Set(await this.findable.keep([...hitIds, ...neighbours]));
    const similar = new Map(neighbourLists.map((lists, i) => [counts[i]!, keptOnly(lists, kept)]));
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
    const page: SearchConnection = {
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
    return { page, similar };
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
    return keptOnly(similar, new Set(await this.findable.keep([...new Set([...similar.values()].flat())])));
  }

  /** `first` for Listing.similar: default 5, at most 20. */
  similarCount(first: number | null | undefined): number {
    return limitArg(first, SIMILAR_DEFAULT, SIMILAR_MAX, "first");
  }
}
