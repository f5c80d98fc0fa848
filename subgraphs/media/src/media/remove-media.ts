import type { MediaPurges } from "../cdn/index.ts";
import type { MediaRow } from "../db/schema.ts";
import type { JobsStore } from "../jobs/jobs.store.ts";
import type { MediaStore } from "./media.store.ts";

/**
 * Removes a media row and its processing job, together, and queues the purge of its public
 * objects (`purges`: wherever the row may have any, i.e. it may have been READY) in the same
 * transaction; the caller deletes the blobs the row names.
 */
export function removeMedia(stores: { media: MediaStore; jobs: JobsStore; purges?: MediaPurges }, id: string): Promise<MediaRow | null> {
  return stores.media.db.transaction(async (tx) => {
    const row = await stores.media.remove(tx, id);
    if (row) await stores.jobs.removeProcessingOf(tx, [row]);
    if (row && stores.purges) await stores.purges.request(tx, row);
    return row;
  });
}
