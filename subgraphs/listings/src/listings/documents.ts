import { inArray, sql } from "drizzle-orm";
import { TASKS, type IndexListingJob, type ListingDocument } from "@localex/common";
import { categories, listings, type ListingRow, type Tx } from "../db/schema.ts";

/** Set on every change: the version search compares, and the update time. */
export const bumped = { version: sql`${listings.version} + 1`, updatedAt: sql`now()` };

/** A listing as search indexes it. */
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
    location: row.lat != null && row.lon != null ? { lat: row.lat, lon: row.lon } : null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    version: row.version,
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
    (await tx.select({ id: categories.id, slug: categories.slug }).from(categories).where(inArray(categories.id, ids))).map(
      (c) => [c.id, c.slug],
    ),
  );
  for (const row of rows) {
    const job: IndexListingJob = { listing: toDocument(row, slugs.get(row.categoryId) ?? "other") };
    await enqueueSnapshot(tx, job, `index-listing:${row.id}`);
  }
}

/**
 * graphile-worker's `add_job` replaces a pending job with the same key, but when a worker locks
 * that job between add_job's two statements it records nothing and returns no row, and the
 * newer snapshot would be lost. A second call sees the job locked, detaches its key and inserts.
 */
async function enqueueSnapshot(tx: Tx, job: IndexListingJob, jobKey: string): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const [added] = await tx.execute<{ id: string | null }>(sql`
      select (graphile_worker.add_job(
        identifier => ${TASKS.indexListing}, payload => ${JSON.stringify(job)}::json, job_key => ${jobKey}
      )).id::text as id`);
    if (added?.id != null) return;
  }
  throw new Error(`could not enqueue ${TASKS.indexListing} for ${jobKey}`);
}
