import { inArray, sql } from "drizzle-orm";
import { enqueueJob, TASKS, type ListingDocument } from "@localex/common";
import { categories, listings, type ListingRow, type Tx } from "../db/schema.ts";
import { approximateLocation } from "./approximate-location.ts";
import { isHidden } from "./listings.service.ts";

/** Set on every change: the version search compares, and the update time. */
export const bumped = { version: sql`${listings.version} + 1`, updatedAt: sql`now()` };

/**
 * A listing as search indexes it: with the approximate location everyone but the owner sees.
 * Were the exact point indexed, a few searches with shrinking radii would find it.
 */
export function toDocument(row: ListingRow, categorySlug: string): ListingDocument {
  return {
    id: row.id,
    ownerId: row.ownerId,
    title: row.title,
    description: row.description,
    categoryId: row.categoryId,
    categorySlug,
    condition: row.condition,
    status: row.status,
    creditPrice: row.creditPrice,
    location: row.lat != null && row.lon != null ? approximateLocation(row.id, { lat: row.lat, lon: row.lon }) : null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    version: row.version,
    hidden: isHidden(row),
  };
}

/**
 * Enqueues search's reindex of the changed rows inside the transaction that changed them, so a
 * committed change always reaches the index and a rolled-back one never does. The job key
 * collapses a burst of changes to one pending job holding the newest snapshot.
 */
export async function enqueueIndexing(tx: Tx, rows: readonly ListingRow[]): Promise<void> {
  if (rows.length === 0) return;
  const ids = [...new Set(rows.map((r) => r.categoryId))];
  const slugs = new Map(
    (await tx.select({ id: categories.id, slug: categories.slug }).from(categories).where(inArray(categories.id, ids))).map((c) => [c.id, c.slug]),
  );
  for (const row of rows) {
    const listing = toDocument(row, slugs.get(row.categoryId) ?? "other");
    await enqueueJob(tx, TASKS.indexListing, { listing }, { jobKey: `index-listing:${row.id}` });
  }
}
