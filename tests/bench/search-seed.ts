// Synthetic listing documents for `pnpm bench:search`, written with bulk SQL straight into
// search.listing_documents (the table the index reads), not through the API or the adapter:
// at 1 000 000 documents the adapter's JSON upsert would take most of an hour on two cores.
// The index's own indexes are dropped for the load and built again after it, as a bulk load
// does; everything the adapter stores on write (search.listing_documents columns) is filled.
import type { Sql } from "@localex/common";

export const NOUNS =
  "bicycle chair table lamp guitar kettle sofa desk shelf mirror drill ladder tent stroller camera jacket boots skis piano rug blender toaster heater fan bookcase wardrobe bench printer monitor keyboard".split(
    " ",
  );
export const ADJECTIVES =
  "red blue green vintage modern wooden metal small large old new folding electric acoustic leather oak pine steel glass portable".split(" ");
export const CENTRE = { lat: 59.91, lon: 10.75 };
/** Made-up brand names (12³ = 1 728 of them), so titles are not all alike: "Kalomi red oak chair". */
const SYLLABLES = "ka lo mi ve tor sen dar bel ru zo fin gal".split(" ");

export interface SeedCategory {
  id: string;
  slug: string;
}

/**
 * Inserts `count` documents in batches of 100 000: titles "Brand adjective adjective noun", a
 * description naming two more nouns, the noun's category (nouns are spread over the
 * categories, so a category holds related things), 90 % ACTIVE, 80 % priced, within ±1° lat
 * and ±2° lon of Oslo, created over the last year.
 */
export async function seedDocuments(sql: Sql, count: number, categories: readonly SeedCategory[], onProgress?: (done: number) => void): Promise<void> {
  const indexes = await sql<{ name: string; definition: string }[]>`
    select indexname as name, indexdef as definition from pg_indexes
    where schemaname = 'search' and tablename = 'listing_documents' and indexname <> 'listing_documents_pkey'`;
  for (const index of indexes) await sql.unsafe(`drop index search."${index.name}"`);
  const nouns = NOUNS;
  const categoryIds = nouns.map((_, i) => categories[i % categories.length]!.id);
  const categorySlugs = nouns.map((_, i) => categories[i % categories.length]!.slug);
  for (let done = 0; done < count; done += 100_000) {
    const n = Math.min(100_000, count - done);
    await sql`
      insert into search.listing_documents
        (id, owner_id, title, description, category_id, category_slug, condition, status,
         credit_price, lat, lon, created_at, updated_at, version, indexed_at)
      select gen_random_uuid(), gen_random_uuid()::text,
             initcap(g.brand) || ' ' || g.a1 || ' ' || g.a2 || ' ' || g.nouns[g.k],
             'A ' || g.a3 || ' ' || g.nouns[g.k] || ' in ' || g.shape || ' shape, with a ' || g.n2 || ' and a ' || g.n3 || '.',
             g.category_ids[g.k], g.category_slugs[g.k], g.condition,
             case when random() < 0.9 then 'ACTIVE' else 'ARCHIVED' end,
             case when random() < 0.2 then null else floor(random() * 200)::int end,
             ${CENTRE.lat}::float8 + (random() - 0.5) * 2, ${CENTRE.lon}::float8 + (random() - 0.5) * 4,
             g.created, g.created, 1, now()
      from (
        select ${nouns}::text[] as nouns, ${categoryIds}::text[] as category_ids, ${categorySlugs}::text[] as category_slugs,
               1 + floor(random() * ${nouns.length})::int as k,
               (${ADJECTIVES}::text[])[1 + floor(random() * ${ADJECTIVES.length})::int] as a1,
               (${ADJECTIVES}::text[])[1 + floor(random() * ${ADJECTIVES.length})::int] as a2,
               (${ADJECTIVES}::text[])[1 + floor(random() * ${ADJECTIVES.length})::int] as a3,
               (${nouns}::text[])[1 + floor(random() * ${nouns.length})::int] as n2,
               (${nouns}::text[])[1 + floor(random() * ${nouns.length})::int] as n3,
               (${SYLLABLES}::text[])[1 + floor(random() * 12)::int] || (${SYLLABLES}::text[])[1 + floor(random() * 12)::int]
                 || (${SYLLABLES}::text[])[1 + floor(random() * 12)::int] as brand,
               (array['great', 'fair', 'decent'])[1 + floor(random() * 3)::int] as shape,
               (array['NEW', 'LIKE_NEW', 'GOOD', 'FAIR', 'POOR'])[1 + floor(random() * 5)::int] as condition,
               now() - random() * interval '365 days' as created
        from generate_series(1, ${n}) as s(i)
      ) g`;
    onProgress?.(done + n);
  }
  await sql.begin(async (tx) => {
    await tx`set local maintenance_work_mem = '512MB'`;
    for (const index of indexes) await tx.unsafe(index.definition);
  });
  await sql`vacuum analyze search.listing_documents`;
}
