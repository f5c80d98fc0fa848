import type { MediaRow } from "../db/schema.ts";
import type { JobsStore } from "../jobs/jobs.store.ts";
import type { MediaStore } from "./media.store.ts";

/** Removes a media row and its processing job, together; the caller deletes the blobs the row names. */
export function removeMedia(stores: { media: MediaStore; jobs: JobsStore }, id: string): Promise<MediaRow | null> {
  return stores.media.db.transaction(async (tx) => {
    const row = await stores.media.remove(tx, id);
    if (row) await stores.jobs.removeProcessingOf(tx, [row]);
    return row;
  });
}
