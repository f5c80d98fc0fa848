import type { Sql } from "@localex/common";

/** How many neighbours each listing keeps: `similar(first:)` asks for at most 20. */
export const NEIGHBOURS = 20;
/** Candidates scored per listing: the nearest that share a title word (or any, without a location). */
const CANDIDATES = 300;

/**
 * Computes the neighbours of the given indexed listings, stores them (one row per listing in
 * search.similar_listings) and offers each listing to its neighbours' lists, so a new listing
 * shows up next to the older ones it resembles. Two statements, whatever the batch size.
 *
 * Candidates are the CANDIDATES findable listings nearest to the source that share a title word
 * (a KNN walk of the GiST location index: bounded work however common the words are); listings
 * without a location take candidates from the text index instead. The score is symmetric, so an
 * offer ranks the same in both lists: same category 2, shared title words up to 2 (Jaccard),
 * title trigram similarity up to 1, nearness up to 0.5.
 */
export async function refreshNeighbours(sql: Sql, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  // One refresh at a time: two listings indexed at once each computed their lists before the
  // other's row existed, and each offer found no row to join, so one lost the other.
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext('localex:search:neighbours'))`;
    await storeNeighbours(tx as unknown as Sql, ids);
  });
}

async function storeNeighbours(sql: Sql, ids: readonly string[]): Promise<void> {
  const found = await sql<{ source: string; id: string; score: number }[]>`
    with s as materialized (
      select id, title, category_id, lat, lon, words,
             -- The words are stored lexemes already: cast, not parsed again; a lexeme with
             -- tsquery punctuation in it still counts in the score but finds no candidates.
             (select string_agg('''' || w || '''', ' | ') from unnest(words) w where w !~ '[''\\\\:&|!()<>*[:space:]]')::tsquery as q
      from (select d.*, tsvector_to_array(ts_filter(d.document, '{a}')) as words
            from search.listing_documents d where d.id = any(${ids}::uuid[])) x
    ),
    n as (
      select s.id as source, c.id, c.score from s
      cross join lateral (
        select c.id, (
            case when c.category_id = s.category_id then 2 else 0 end
            + 2 * (select count(*) from unnest(c.words) w where w = any(s.words))::float8
                / greatest(1, cardinality(array(select distinct w from unnest(c.words || s.words) w)))
            + similarity(c.title, s.title)
            + case when c.lat is null or s.lat is null then 0
                   else 0.5 / (1 + 50 * (point(c.lon, c.lat) <-> point(s.lon, s.lat))) end
          )::real as score
        from (
          select d.id, d.title, d.category_id, d.lat, d.lon, tsvector_to_array(ts_filter(d.document, '{a}')) as words
          from search.listing_documents d
          -- ts_match_vq rather than @@: the planner must walk the location index nearest first
          -- and filter, not collect every listing sharing a common word from the text index.
          where s.lat is not null and d.status = 'ACTIVE' and not d.hidden and d.lat is not null and d.id <> s.id and ts_match_vq(d.document, s.q)
          order by point(d.lon, d.lat) <-> point(s.lon, s.lat)
          limit ${CANDIDATES}
        ) c
        union all
        select c.id, (
            case when c.category_id = s.category_id then 2 else 0 end
            + 2 * (select count(*) from unnest(c.words) w where w = any(s.words))::float8
                / greatest(1, cardinality(array(select distinct w from unnest(c.words || s.words) w)))
            + similarity(c.title, s.title)
          )::real as score
        from (
          select d.id, d.title, d.category_id, tsvector_to_array(ts_filter(d.document, '{a}')) as words
          from search.listing_documents d
          where s.lat is null and d.status = 'ACTIVE' and not d.hidden and d.id <> s.id and d.document @@ s.q
          limit ${CANDIDATES}
        ) c
        order by 2 desc, 1
        limit ${NEIGHBOURS}
      ) c
    ),
    stored as (
      insert into search.similar_listings as t (listing_id, similar_ids, scores, computed_at)
      select s.id,
             coalesce(array_agg(n.id order by n.score desc, n.id) filter (where n.id is not null), '{}'),
             coalesce(array_agg(n.score order by n.score desc, n.id) filter (where n.id is not null), '{}'),
             now()
      from s left join n on n.source = s.id
      group by s.id
      on conflict (listing_id) do update
        set similar_ids = excluded.similar_ids, scores = excluded.scores, computed_at = excluded.computed_at
    )
    select source, id, score from n`;
  // Offer each source to its neighbours (not to listings of this batch, just rewritten above).
  const sources = new Set(ids);
  const offers = found.filter((f) => !sources.has(f.id));
  if (offers.length === 0) return;
  await sql`
    with o as (
      select target, candidate, max(score) as score
      from unnest(${offers.map((o) => o.id)}::uuid[], ${offers.map((o) => o.source)}::uuid[], ${offers.map((o) => o.score)}::real[])
        as o(target, candidate, score)
      group by 1, 2
    ),
    merged as (
      select t.listing_id, e.id, max(e.score) as score
      from search.similar_listings t
      cross join lateral (
        select x.id, x.score from unnest(t.similar_ids, t.scores) as x(id, score)
        union all
        select o.candidate, o.score from o where o.target = t.listing_id
      ) e
      where t.listing_id in (select target from o)
      group by 1, 2
    ),
    best as (
      select listing_id, (array_agg(id order by score desc, id))[1:${NEIGHBOURS}] as ids,
             (array_agg(score order by score desc, id))[1:${NEIGHBOURS}] as scores
      from merged group by 1
    )
    update search.similar_listings t set similar_ids = best.ids, scores = best.scores
    from best where t.listing_id = best.listing_id and t.similar_ids is distinct from best.ids`;
}

/**
 * Up to `first` findable neighbours for each listing, in one statement: the stored lists,
 * skipping neighbours that are no longer findable. Also names the indexed listings that have no
 * list yet (indexed before lists existed), for the caller to compute.
 */
export async function readNeighbours(sql: Sql, ids: readonly string[], first: number): Promise<{ neighbours: Map<string, string[]>; missing: string[] }> {
  const rows = await sql<{ source: string; id: string | null; listed: boolean }[]>`
    select d.id as source, m.id, t.listing_id is not null as listed
    from search.listing_documents d
    left join search.similar_listings t on t.listing_id = d.id
    left join lateral (
      select x.id from unnest(t.similar_ids) with ordinality as x(id, position)
      join search.listing_documents n on n.id = x.id and n.status = 'ACTIVE' and not n.hidden
      order by x.position
      limit ${first}
    ) m on true
    where d.id = any(${ids}::uuid[])`;
  const neighbours = new Map<string, string[]>(ids.map((id) => [id, []]));
  const missing = new Set<string>();
  for (const row of rows) {
    if (!row.listed) missing.add(row.source);
    else if (row.id) neighbours.get(row.source)?.push(row.id);
  }
  return { neighbours, missing: [...missing] };
}

/**
 * Computes the lists of findable listings that have none (after a bulk load, an upgrade from
 * before lists existed, or a rebuild), `batch` listings per refreshNeighbours call, in id
 * order so each batch is found by the primary key, not by scanning the whole table again.
 * Returns how many lists it computed; safe to run beside the index worker (a list computed
 * twice is simply stored twice).
 */
export async function fillMissingNeighbours(sql: Sql, options: { batch?: number; onProgress?: (filled: number) => void } = {}): Promise<number> {
  const batch = options.batch ?? 100;
  let after = "00000000-0000-0000-0000-000000000000";
  let filled = 0;
  for (;;) {
    const rows = await sql<{ id: string }[]>`
      select d.id from search.listing_documents d
      where d.id > ${after}::uuid and d.status = 'ACTIVE' and not d.hidden
        and not exists (select 1 from search.similar_listings t where t.listing_id = d.id)
      order by d.id
      limit ${batch}`;
    if (rows.length === 0) return filled;
    await refreshNeighbours(
      sql,
      rows.map((r) => r.id),
    );
    filled += rows.length;
    after = rows.at(-1)!.id;
    options.onProgress?.(filled);
  }
}
