import type { ListingDocument } from "@localex/common";
import type { Sql } from "@localex/common";

/**
 * Writes snapshots in one statement: the batch travels as one JSON parameter and a row is
 * replaced only when the snapshot is at least as new as what is stored. Returns the ids written.
 */
export async function writeDocuments(sql: Sql, documents: readonly ListingDocument[]): Promise<string[]> {
  if (documents.length === 0) return [];
  const rows = documents.map((d) => ({
    id: d.id,
    owner_id: d.ownerId,
    title: d.title,
    description: d.description,
    category_id: d.categoryId,
    category_slug: d.categorySlug,
    condition: d.condition,
    status: d.status,
    hidden: d.hidden,
    credit_price: d.creditPrice,
    lat: d.location?.lat ?? null,
    lon: d.location?.lon ?? null,
    created_at: d.createdAt,
    updated_at: d.updatedAt,
    version: d.version,
  }));
  const written = await sql<{ id: string }[]>`
    insert into search.listing_documents as stored
      (id, owner_id, title, description, category_id, category_slug, condition, status, hidden,
       credit_price, lat, lon, created_at, updated_at, version, indexed_at)
    select distinct on (r.id) r.id, r.owner_id, r.title, r.description, r.category_id, r.category_slug, r.condition,
           r.status, r.hidden, r.credit_price, r.lat, r.lon, r.created_at, r.updated_at, r.version, now()
    from json_to_recordset(${JSON.stringify(rows)}::text::json) as r(
      id uuid, owner_id text, title text, description text, category_id text, category_slug text,
      condition text, status text, hidden boolean, credit_price int, lat float8, lon float8,
      created_at timestamptz, updated_at timestamptz, version bigint)
    order by r.id, r.version desc
    on conflict (id) do update set
      owner_id = excluded.owner_id, title = excluded.title, description = excluded.description,
      category_id = excluded.category_id, category_slug = excluded.category_slug,
      condition = excluded.condition, status = excluded.status, hidden = excluded.hidden, credit_price = excluded.credit_price,
      lat = excluded.lat, lon = excluded.lon, created_at = excluded.created_at,
      updated_at = excluded.updated_at, version = excluded.version, indexed_at = excluded.indexed_at
    where stored.version <= excluded.version
    returning id`;
  return written.map((r) => r.id);
}
