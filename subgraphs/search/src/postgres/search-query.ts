import { badUserInput, isUuid, type Sql } from "@localex/common";
import { markHighlight, MARK_START, MARK_STOP, usesWebSearchSyntax, wordsOf } from "../index-port/query-text.ts";
import type { FacetCount, GeoRadius, SearchRequest, SearchResult, SortName } from "../index-port/search-index.ts";

type Fragment = ReturnType<Sql>;

const FRAGMENT_DELIMITER = "\u0004";
const EARTH_RADIUS_KM = 6371.0088;
const KM_PER_DEGREE = 111.195;

/**
 * The tsquery for the user's text, never built by concatenating SQL: web-search syntax
 * ("phrases", -not, or) goes to websearch_to_tsquery; plain words become a prefix query
 * ('word':* & …) made only of letters and digits; anything else goes to plainto_tsquery.
 */
export function textQuery(sql: Sql, text: string): Fragment {
  if (usesWebSearchSyntax(text)) return sql`websearch_to_tsquery('english', ${text})`;
  const words = wordsOf(text);
  if (words.length === 0) return sql`plainto_tsquery('english', ${text})`;
  return sql`to_tsquery('english', ${words.map((w) => `'${w}':*`).join(" & ")})`;
}

/** Great-circle distance in km from the point to the row's location (plain haversine). */
function distanceKm(sql: Sql, near: GeoRadius): Fragment {
  return sql`(${2 * EARTH_RADIUS_KM}::float8 * asin(sqrt(
    power(sin(radians(d.lat - ${near.lat}::float8) / 2), 2) +
    cos(radians(${near.lat}::float8)) * cos(radians(d.lat)) * power(sin(radians(d.lon - ${near.lon}::float8) / 2), 2))))`;
}

/** A box around the circle, so the GiST index on point(lon, lat) narrows before haversine. */
function boundingBox(sql: Sql, near: GeoRadius): Fragment {
  const dLat = near.radiusKm / KM_PER_DEGREE;
  const cosLat = Math.cos((near.lat * Math.PI) / 180);
  const minLat = near.lat - dLat;
  const maxLat = near.lat + dLat;
  const dLon = cosLat > 1e-6 ? dLat / cosLat : 360;
  // Near a pole or across the antimeridian a lon range would be wrong: bound latitude only.
  if (minLat <= -90 || maxLat >= 90 || near.lon - dLon < -180 || near.lon + dLon > 180) {
    return sql`d.lat between ${Math.max(minLat, -90)}::float8 and ${Math.min(maxLat, 90)}::float8`;
  }
  return sql`point(d.lon, d.lat) <@ box(point(${near.lon - dLon}::float8, ${minLat}::float8), point(${near.lon + dLon}::float8, ${maxLat}::float8))`;
}

interface SortSpec {
  key: Fragment;
  descending: boolean;
}

function sortSpec(sql: Sql, sort: SortName): SortSpec {
  switch (sort) {
    case "RELEVANCE":
      return { key: sql`m.score`, descending: true };
    case "NEWEST":
      return { key: sql`extract(epoch from m.created_at)::float8`, descending: true };
    case "DISTANCE":
      return { key: sql`m.distance_km`, descending: false };
    case "CREDITS_ASC": // listings without a credit price come last either way
      return { key: sql`coalesce(m.credit_price, 2147483647)::float8`, descending: false };
    case "CREDITS_DESC":
      return { key: sql`coalesce(m.credit_price, -1)::float8`, descending: true };
  }
}

interface Row {
  total: number;
  categories: FacetCount[];
  conditions: FacetCount[];
  hits: { id: string; score: number | null; distanceKm: number | null; sortKey: number; highlights: string[] | null }[];
}

/**
 * One statement per search: the filtered set once (CTE), its count and facets, and one
 * keyset page with highlights computed for the page's rows only.
 */
export async function runSearch(sql: Sql, request: SearchRequest): Promise<SearchResult> {
  const { text, near } = request;
  const [afterKey, afterId] = request.after ?? [];
  if (request.after && (request.after.length !== 2 || typeof afterKey !== "number" || typeof afterId !== "string" || !isUuid(afterId))) {
    throw badUserInput("`after` is not a cursor from this search.", "after");
  }
  const tsq = text ? textQuery(sql, text) : sql`null::tsquery`;
  const score = text
    ? sql`(ts_rank(d.document, q.tsq)::float8 + 0.5 * word_similarity(${text}, d.title)::float8)`
    : sql`null::float8`;
  const distance = near ? distanceKm(sql, near) : sql`null::float8`;
  const conditions: Fragment[] = [sql`d.status = 'ACTIVE'`];
  if (request.categoryIds) conditions.push(sql`d.category_id = any(${request.categoryIds}::text[])`);
  if (request.conditions) conditions.push(sql`d.condition = any(${request.conditions}::text[])`);
  if (request.maxCredits != null) conditions.push(sql`d.credit_price <= ${request.maxCredits}::int`);
  if (near) {
    conditions.push(sql`d.lat is not null`, boundingBox(sql, near), sql`${distance} <= ${near.radiusKm}::float8`);
  }
  const where = conditions.reduce((acc, c) => sql`${acc} and ${c}`);
  const columns = sql`d.id, d.title, d.description, d.category_id, d.condition, d.created_at, d.credit_price,
    ${score} as score, ${distance} as distance_km`;
  // Words match through the tsvector (stemmed, prefix). Only when no listing matches them
  // at all are they taken for typos and matched by trigrams on the title: "did you mean".
  const fuzzy = text
    ? sql`not exists (select 1 from search.listing_documents x where x.status = 'ACTIVE' and x.document @@ q0.tsq)`
    : sql`false`;
  const matched = text
    ? sql`select ${columns} from search.listing_documents d, q where ${where} and d.document @@ q.tsq
          union all
          select ${columns} from q, search.listing_documents d where q.fuzzy and ${where} and ${text} <% d.title`
    : sql`select ${columns} from search.listing_documents d, q where ${where}`;
  const { key, descending } = sortSpec(sql, request.sort);
  const order = descending ? sql`desc` : sql`asc`;
  const after = request.after
    ? descending
      ? sql`where (k.sort_key, k.id) < (${afterKey ?? 0}::float8, ${afterId ?? ""}::uuid)`
      : sql`where (k.sort_key, k.id) > (${afterKey ?? 0}::float8, ${afterId ?? ""}::uuid)`
    : sql``;
  const headline = (column: Fragment) =>
    sql`ts_headline('english', ${column}, q.tsq, ${`StartSel=${MARK_START}, StopSel=${MARK_STOP}, MaxFragments=2, MaxWords=20, MinWords=6, FragmentDelimiter=${FRAGMENT_DELIMITER}`})`;
  const highlights = text
    ? sql`(select array_agg(h) filter (where h like ${`%${MARK_START}%`}) from (values (${headline(sql`p.title`)}), (${headline(sql`p.description`)})) as x(h))`
    : sql`null::text[]`;

  const [row] = await sql<Row[]>`
    with q0 as (select ${tsq} as tsq),
    q as (select q0.tsq, ${fuzzy} as fuzzy from q0),
    m as (${matched}),
    k as (select m.*, ${key} as sort_key from m),
    p as (select k.* from k ${after} order by k.sort_key ${order}, k.id ${order} limit ${request.first + 1})
    select
      (select count(*)::int from m) as total,
      (select coalesce(json_agg(json_build_object('value', f.v, 'count', f.n) order by f.n desc, f.v), '[]')
         from (select category_id as v, count(*)::int as n from m group by 1) f) as categories,
      (select coalesce(json_agg(json_build_object('value', f.v, 'count', f.n) order by f.n desc, f.v), '[]')
         from (select condition as v, count(*)::int as n from m group by 1) f) as conditions,
      (select coalesce(json_agg(json_build_object(
          'id', p.id, 'score', p.score, 'distanceKm', p.distance_km, 'sortKey', p.sort_key,
          'highlights', ${highlights}) order by p.sort_key ${order}, p.id ${order}), '[]')
         from p, q) as hits`;
  if (!row) throw new Error("search returned no row");
  const page = row.hits.slice(0, request.first);
  return {
    totalCount: row.total,
    hasNextPage: row.hits.length > request.first,
    facets: { categories: row.categories, conditions: row.conditions },
    hits: page.map((h) => ({
      id: h.id,
      score: h.score,
      distanceKm: h.distanceKm,
      sortKey: [h.sortKey, h.id],
      highlights: (h.highlights ?? []).flatMap((x) => x.split(FRAGMENT_DELIMITER).map((f) => markHighlight(f.trim()))),
    })),
  };
}
