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

interface Box {
  minLat: number;
  maxLat: number;
  minLon: number;
  maxLon: number;
}

/** The box around the circle; null near a pole or across the antimeridian, where a lon range would be wrong. */
function boxAround(near: GeoRadius): Box | null {
  const dLat = near.radiusKm / KM_PER_DEGREE;
  const cosLat = Math.cos((near.lat * Math.PI) / 180);
  const minLat = near.lat - dLat;
  const maxLat = near.lat + dLat;
  const dLon = cosLat > 1e-6 ? dLat / cosLat : 360;
  if (minLat <= -90 || maxLat >= 90 || near.lon - dLon < -180 || near.lon + dLon > 180) return null;
  return { minLat, maxLat, minLon: near.lon - dLon, maxLon: near.lon + dLon };
}

/** A box around the circle, so the GiST index on point(lon, lat) narrows before haversine. */
function boundingBox(sql: Queries, near: GeoRadius, box: Box | null): Fragment {
  if (!box) {
    // Latitude only: see boxAround.
    const dLat = near.radiusKm / KM_PER_DEGREE;
    return sql`d.lat between ${Math.max(near.lat - dLat, -90)}::float8 and ${Math.min(near.lat + dLat, 90)}::float8`;
  }
  return sql`point(d.lon, d.lat) <@ box(point(${box.minLon}::float8, ${box.minLat}::float8), point(${box.maxLon}::float8, ${box.maxLat}::float8))`;
}

/**
 * The same box, in a form no index answers. The planner takes any `<@` box for 0.1 % of the rows
 * (a constant), so, offered the location index, it keeps choosing it over the place words.
 */
function plainBox(sql: Queries, box: Box): Fragment {
  return sql`d.lat between ${box.minLat}::float8 and ${box.maxLat}::float8 and d.lon between ${box.minLon}::float8 and ${box.maxLon}::float8`;
}

/** Cells per degree of the grid that search.place_words files words under (migration 0005). */
const PLACE_CELLS_PER_DEGREE = 10;
/**
 * At most this many words × cells asked of the place words index (each a prefix lookup, about
 * 0.1 ms): two words in 64 cells, a radius of 25 km at 60° N. Past it the search keeps the
 * location index.
 */
const MAX_PLACE_TERMS = 128;

/**
 * The grid cells the box touches, named as search.place_words names them ('599_107'). Every
 * location inside the box is in one of them: floor(x * 10) never decreases as x grows, in
 * JavaScript as in PostgreSQL (both IEEE doubles).
 */
function placeCells(box: Box, words: number): string[] | null {
  const cell = (degrees: number) => Math.floor(degrees * PLACE_CELLS_PER_DEGREE);
  const [lat0, lat1, lon0, lon1] = [cell(box.minLat), cell(box.maxLat), cell(box.minLon), cell(box.maxLon)];
  if ((lat1 - lat0 + 1) * (lon1 - lon0 + 1) * words > MAX_PLACE_TERMS) return null;
  const cells: string[] = [];
  for (let lat = lat0; lat <= lat1; lat++) for (let lon = lon0; lon <= lon1; lon++) cells.push(`${lat}_${lon}`);
  return cells;
}

/**
 * The words within the cells, for the place words index: each lexeme of the tsquery becomes
 * "in one of the cells" ('new':* → ('599_107/new':* | '599_108/new':* | …)). Phrase operators
 * become `&`, since cell words have no positions (the document's own match still checks the
 * phrase). Rewritten in the statement, from the tsquery's text, so the planner folds it to a
 * constant and estimates it from the expression's statistics (migration 0005).
 */
function wordsWithin(sql: Queries, tsq: Fragment, cells: string[]): Fragment {
  const inCells = `(${cells.map((c) => `'${c}/\\1'\\2`).join(" | ")})`;
  return sql`search.place_words(d.document, d.lat, d.lon) @@ regexp_replace(
    regexp_replace((${tsq})::text, '<(-|[0-9]+)>', '&', 'g'), '''([^'']*)''(:\\*)?', ${inCells}, 'g')::tsquery`;
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
  const tsq: Fragment = text ? textQuery(sql, text) : sql`null::tsquery`;
  const score = text ? sql`(ts_rank(d.document, ${tsq})::float8 + 0.5 * word_similarity(${text}, d.title)::float8)` : sql`null::float8`;
  const distance = near ? distanceKm(sql, near) : sql`null::float8`;
  const conditions: Fragment[] = [sql`d.status = 'ACTIVE' and not d.hidden`];
  if (request.categoryIds) conditions.push(sql`d.category_id = any(${request.categoryIds}::text[])`);
  if (request.conditions) conditions.push(sql`d.condition = any(${request.conditions}::text[])`);
  if (request.maxCredits != null) conditions.push(sql`d.credit_price <= ${request.maxCredits}::int`);
  if (near) conditions.push(sql`d.lat is not null`, sql`${distance} <= ${near.radiusKm}::float8`);
  const and = (fragments: Fragment[]) => fragments.reduce((acc, c) => sql`${acc} and ${c}`);
  const box = near ? boxAround(near) : null;
  const where = and(near ? [...conditions, boundingBox(sql, near, box)] : conditions);
  // Plain words near a point are looked up by place: the location index finds every listing in
  // the box (16 000 of 1 000 000 in 15 km), each read to keep the hundred that match the words.
  // Web-search syntax (-not, or, phrases) keeps the plan it had.
  const words = text && !usesWebSearchSyntax(text) ? wordsOf(text).length : 0;
  const cells = box && words > 0 ? placeCells(box, words) : null;
  const wordsWhere: Fragment =
    box && cells ? and([...conditions, plainBox(sql, box), sql`d.document @@ ${tsq}`, wordsWithin(sql, tsq, cells)]) : sql`${where} and d.document @@ ${tsq}`;
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
  // The sample is read block by block whatever the words: it skips the place words (no index there).
  // `limit` is given to each branch: a LIMIT above a UNION ALL does not reach the planning of
  // its branches, which then build the text index's bitmap of every match of a common word.
  const matched = (documents: typeof table, wordsWhere: Fragment, limit?: number): Fragment => {
    const bound = limit === undefined ? sql`` : sql`limit ${limit}`;
    return text
      ? sql`(select ${columns} from ${documents} where ${wordsWhere} ${bound})
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
    m as (${matched(table, wordsWhere)}),
    b as (select * from (${matched(table, wordsWhere, EXACT_COUNT_LIMIT + 1)}) m limit ${EXACT_COUNT_LIMIT + 1}),
    n as (select count(*)::int as counted from b),
    s as materialized (
      select m.category_id, m.condition, 100.0 / (
        select least(100, 100.0 * ${SAMPLE_ROWS} / greatest(reltuples, 1)) from pg_class where oid = 'search.listing_documents'::regclass
      ) as scale
      from (${matched(sampled, sql`${where} and d.document @@ ${tsq}`)}) m
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
