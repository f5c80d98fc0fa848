import { badUserInput, isUuid, type Sql } from "@localex/common";
import type { TransactionSql } from "postgres";
import { markHighlight, MARK_START, MARK_STOP, usesWebSearchSyntax, wordsOf } from "../index-port/query-text.ts";
import type { FacetCount, GeoRadius, SearchRequest, SearchResult, SortName } from "../index-port/search-index.ts";

/** The pool, or the transaction a search runs in (postgres-index.ts). */
type Queries = Sql | TransactionSql;
type Fragment = ReturnType<Sql>;

const FRAGMENT_DELIMITER = "\u0004";
const EARTH_RADIUS_KM = 6371.0088;
const KM_PER_DEGREE = 111.195;

/**
 * The tsquery for the user's text, never built by concatenating SQL: web-search syntax
 * ("phrases", -not, or) goes to websearch_to_tsquery; plain words become a prefix query
 * ('word':* & …) made only of letters and digits; anything else goes to plainto_tsquery.
 */
export function textQuery(sql: Queries, text: string): Fragment {
  if (usesWebSearchSyntax(text)) return sql`websearch_to_tsquery('english', ${text})`;
  const words = wordsOf(text);
  if (words.length === 0) return sql`plainto_tsquery('english', ${text})`;
  return sql`to_tsquery('english', ${words.map((w) => `'${w}':*`).join(" & ")})`;
}

/** Great-circle distance in km from the point to the row's location (plain haversine). */
function distanceKm(sql: Queries, near: GeoRadius): Fragment {
  return sql`(${2 * EARTH_RADIUS_KM}::float8 * asin(sqrt(
    power(sin(radians(d.lat - ${near.lat}::float8) / 2), 2) +
    cos(radians(${near.lat}::float8)) * cos(radians(d.lat)) * power(sin(radians(d.lon - ${near.lon}::float8) / 2), 2))))`;
}

/** A box around the circle, so the GiST index on point(lon, lat) narrows before haversine. */
function boundingBox(sql: Queries, near: GeoRadius): Fragment {
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

function sortSpec(sql: Queries, sort: SortName): SortSpec {
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
  counted: number;
  estimate: number | null;
  categories: FacetCount[];
  conditions: FacetCount[];
  hits: { id: string; score: number | null; distanceKm: number | null; sortKey: number; highlights: string[] | null }[];
}

/**
 * Up to this many matches are counted (and faceted) exactly; past it, count and facets are
 * estimated from a sample of the table, and RELEVANCE ranks the first this-many matches found.
 */
export const EXACT_COUNT_LIMIT = 1000;
/** Rows in the block sample an estimate is made from (TABLESAMPLE SYSTEM, repeatable). */
const SAMPLE_ROWS = 5000;

/**
 * One statement per search: the matches (a lazily read CTE), the first EXACT_COUNT_LIMIT + 1 of
 * them, their count and facets (or, when there are more, an estimate of both from a repeatable
 * block sample), and one keyset page with highlights computed for the page's rows only. A
 * RELEVANCE page ranks the bounded matches; other sorts order every match.
 */
export async function runSearch(sql: Queries, request: SearchRequest): Promise<SearchResult> {
  const { text, near } = request;
  const [afterKey, afterId] = request.after ?? [];
  if (request.after && (request.after.length !== 2 || typeof afterKey !== "number" || typeof afterId !== "string" || !isUuid(afterId))) {
    throw badUserInput("`after` is not a cursor from this search.", "after");
  }
  const tsq = text ? textQuery(sql, text) : sql`null::tsquery`;
  const score = text ? sql`(ts_rank(d.document, ${tsq})::float8 + 0.5 * word_similarity(${text}, d.title)::float8)` : sql`null::float8`;
  const distance = near ? distanceKm(sql, near) : sql`null::float8`;
  const conditions: Fragment[] = [sql`d.status = 'ACTIVE' and not d.hidden`];
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
    ? sql`not exists (select 1 from search.listing_documents x where x.status = 'ACTIVE' and not x.hidden and x.document @@ q0.tsq)`
    : sql`false`;
  const table = sql`search.listing_documents d`;
  const sampled = sql`search.listing_documents d tablesample system (
    (select least(100, 100.0 * ${SAMPLE_ROWS} / greatest(reltuples, 1))::float4 from pg_class where oid = 'search.listing_documents'::regclass)
  ) repeatable (0)`;
  // `limit` is given to each branch: a LIMIT above a UNION ALL does not reach the planning of
  // its branches, which then build the text index's bitmap of every match of a common word.
  const matched = (documents: typeof table, limit?: number): Fragment => {
    const bound = limit === undefined ? sql`` : sql`limit ${limit}`;
    return text
      ? sql`(select ${columns} from ${documents} where ${where} and d.document @@ ${tsq} ${bound})
            union all
            (select ${columns} from q, ${documents} where q.fuzzy and ${where} and ${text} <% d.title ${bound})`
      : sql`select ${columns} from ${documents} where ${where} ${bound}`;
  };
  const { key, descending } = sortSpec(sql, request.sort);
  const order = descending ? sql`desc` : sql`asc`;
  const after = request.after
    ? descending
      ? sql`where (k.sort_key, k.id) < (${afterKey ?? 0}::float8, ${afterId ?? ""}::uuid)`
      : sql`where (k.sort_key, k.id) > (${afterKey ?? 0}::float8, ${afterId ?? ""}::uuid)`
    : sql``;
  const headline = (column: Fragment): Fragment =>
    sql`ts_headline('english', ${column}, q.tsq, ${`StartSel=${MARK_START}, StopSel=${MARK_STOP}, MaxFragments=2, MaxWords=20, MinWords=6, FragmentDelimiter=${FRAGMENT_DELIMITER}`})`;
  const highlights = text
    ? sql`(select array_agg(h) filter (where h like ${`%${MARK_START}%`}) from (values (${headline(sql`p.title`)}), (${headline(sql`p.description`)})) as x(h))`
    : sql`null::text[]`;
  const facet = (column: Fragment, from: Fragment, scale: Fragment): Fragment =>
    sql`(select coalesce(json_agg(json_build_object('value', f.v, 'count', f.n) order by f.n desc, f.v), '[]')
         from (select ${column} as v, round(count(*) * ${scale})::int as n from ${from} group by 1) f)`;
  const ranked = request.sort === "RELEVANCE" ? sql`b` : sql`m`;

  const [row] = await sql<Row[]>`
    with q0 as (select ${tsq} as tsq),
    q as (select q0.tsq, ${fuzzy} as fuzzy from q0),
    m as (${matched(table)}),
    b as (select * from (${matched(table, EXACT_COUNT_LIMIT + 1)}) m limit ${EXACT_COUNT_LIMIT + 1}),
    n as (select count(*)::int as counted from b),
    s as materialized (
      select m.category_id, m.condition, 100.0 / (
        select least(100, 100.0 * ${SAMPLE_ROWS} / greatest(reltuples, 1)) from pg_class where oid = 'search.listing_documents'::regclass
      ) as scale
      from (${matched(sampled)}) m
      where (select counted from n) > ${EXACT_COUNT_LIMIT}
    ),
    k as (select m.*, ${key} as sort_key from ${ranked} m),
    p as (select k.* from k ${after} order by k.sort_key ${order}, k.id ${order} limit ${request.first + 1})
    select
      n.counted,
      case when n.counted > ${EXACT_COUNT_LIMIT}
        then greatest(${EXACT_COUNT_LIMIT + 1}, (select round(count(*) * max(s.scale))::int from s)) end as estimate,
      case when n.counted > ${EXACT_COUNT_LIMIT} then ${facet(sql`category_id`, sql`s`, sql`max(s.scale)`)}
        else ${facet(sql`category_id`, sql`b`, sql`1`)} end as categories,
      case when n.counted > ${EXACT_COUNT_LIMIT} then ${facet(sql`condition`, sql`s`, sql`max(s.scale)`)}
        else ${facet(sql`condition`, sql`b`, sql`1`)} end as conditions,
      (select coalesce(json_agg(json_build_object(
          'id', p.id, 'score', p.score, 'distanceKm', p.distance_km, 'sortKey', p.sort_key,
          'highlights', ${highlights}) order by p.sort_key ${order}, p.id ${order}), '[]')
         from p, q) as hits
    from n`;
  if (!row) throw new Error("search returned no row");
  const page = row.hits.slice(0, request.first);
  return {
    totalCount: row.estimate ?? row.counted,
    totalCountIsExact: row.estimate === null,
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
