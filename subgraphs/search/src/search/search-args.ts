import { badUserInput, encodeCursor, pageSize, type ItemConditionName, checkListSize } from "@localex/common";
import { cleanQueryText } from "../index-port/query-text.ts";
import type { SearchRequest, SortName } from "../index-port/search-index.ts";
import type { SearchFilter, SearchSort } from "./search.type.ts";

export const MAX_CATEGORY_IDS = 50;
export const MAX_RADIUS_KM = 1000;

export interface SearchArgs {
  query?: string | null;
  filter?: SearchFilter | null;
  sort?: SearchSort | null;
  first?: number | null;
  after?: string | null;
}

/** An edge's cursor: the sort it belongs to and the adapter's sort key of the hit. */
export function searchCursor(sort: SortName, sortKey: (string | number)[]): string {
  return encodeCursor([sort, ...sortKey]);
}

function decodeSearchCursor(after: string, sort: SortName): (string | number)[] {
  const wrong = () => badUserInput("`after` is not a cursor from this search.", "after");
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(after, "base64url").toString("utf8"));
  } catch {
    throw wrong();
  }
  if (!Array.isArray(key) || key.length < 2 || key.length > 4) throw wrong();
  const [cursorSort, ...rest] = key as unknown[];
  if (cursorSort !== sort) throw badUserInput(`\`after\` belongs to a search sorted by ${String(cursorSort)}, not ${sort}.`, "after");
  if (!rest.every((k) => typeof k === "string" || (typeof k === "number" && Number.isFinite(k)))) throw wrong();
  return rest as (string | number)[];
}

function checkRange(value: number, min: number, max: number, field: string, inclusiveMin = true): void {
  const tooLow = inclusiveMin ? value < min : value <= min;
  if (!Number.isFinite(value) || tooLow || value > max) {
    throw badUserInput(`\`${field}\` must be ${inclusiveMin ? "from" : "more than"} ${min}${inclusiveMin ? " to" : ", at most"} ${max}.`, field);
  }
}

/** Turns GraphQL arguments into a validated request; every problem names its argument. */
export function toSearchRequest(args: SearchArgs): SearchRequest {
  const text = cleanQueryText(args.query, "query");
  const filter = args.filter ?? {};
  checkListSize(filter.categoryIds, "filter.categoryIds", MAX_CATEGORY_IDS);
  checkListSize(filter.conditions, "filter.conditions");
  const categoryIds = filter.categoryIds?.length ? [...new Set(filter.categoryIds)] : null;
  if (categoryIds && categoryIds.length > MAX_CATEGORY_IDS) {
    throw badUserInput(`\`filter.categoryIds\` may hold at most ${MAX_CATEGORY_IDS} ids.`, "filter.categoryIds");
  }
  if (categoryIds?.some((id) => id.length > 100 || /\p{Cc}/u.test(id))) {
    throw badUserInput("`filter.categoryIds` holds an id that is not a category id.", "filter.categoryIds");
  }
  const near = filter.near ?? null;
  if (near) {
    checkRange(near.lat, -90, 90, "filter.near.lat");
    checkRange(near.lon, -180, 180, "filter.near.lon");
    checkRange(near.radiusKm, 0, MAX_RADIUS_KM, "filter.near.radiusKm", false);
  }
  const maxCredits = filter.maxCredits ?? null;
  if (maxCredits != null && maxCredits < 0) throw badUserInput("`filter.maxCredits` must be zero or more.", "filter.maxCredits");

  const asked: SortName = args.sort ?? "RELEVANCE";
  if (asked === "DISTANCE" && !near) throw badUserInput("Sorting by DISTANCE needs `filter.near`.", "sort");
  // Without text every hit is equally relevant: newest first is the useful order.
  const sort: SortName = asked === "RELEVANCE" && !text ? "NEWEST" : asked;
  return {
    text,
    categoryIds,
    conditions: filter.conditions?.length ? ([...new Set(filter.conditions)] as ItemConditionName[]) : null,
    near: near ? { lat: near.lat, lon: near.lon, radiusKm: near.radiusKm } : null,
    maxCredits,
    sort,
    first: pageSize(args.first),
    after: args.after == null ? null : decodeSearchCursor(args.after, sort),
  };
}
