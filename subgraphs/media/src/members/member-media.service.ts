import type { MediaPurges } from "../cdn/index.ts";
import type { MediaRow } from "../db/schema.ts";
import type { JobsStore } from "../jobs/jobs.store.ts";
import { blobKeysOf, type MediaStore } from "../media/media.store.ts";
import type { BlobStore } from "../storage/index.ts";
import { markDeparted } from "./departures.ts";

/**
 * What identity asks of media about one member (issue 12): which of their documents can back a
 * verification request, deleting those documents once decided, and forgetting every file of a
 * member whose account is deleted. Every deletion is idempotent: a step run twice deletes once.
 */
export class MemberMediaService {
  constructor(
    private readonly store: MediaStore,
    private readonly jobs: JobsStore,
    private readonly blobs: BlobStore,
    private readonly purges: MediaPurges,
  ) {}

  /** The ids among `ids` that are the member's own processed private documents. */
  readyDocuments(ownerId: string, ids: readonly string[]): Promise<string[]> {
    return this.store.readyDocumentIds(ownerId, ids);
  }

  /** Deletes the member's documents among `ids`, rows and bytes; returns how many rows went. */
  async deleteDocuments(ownerId: string, ids: readonly string[]): Promise<number> {
    return this.afterRemoving(await this.store.removeDocuments(ownerId, ids));
  }

  /**
   * Every file and job result of the member, gone from storage and from our tables. Marked first
   * (departures.ts): nothing of theirs is recorded after, and what was recorded before is here.
   */
  async forgetMember(ownerId: string): Promise<number> {
    await markDeparted(this.store, ownerId);
    // The rows and the purge of their public objects from the CDN, in one transaction: a photo
    // of a departed member is never left in a cache because a crash fell between the two.
    const rows = await this.store.db.transaction(async (tx) => {
      const all = await this.store.removeAllOf(tx, ownerId);
      for (const row of all) await this.purges.request(tx, row);
      return all;
    });
    const removed = await this.afterRemoving(rows);
    await this.blobs.delete(await this.jobs.removeAllOf(ownerId));
    return removed;
  }

  // The rows went first, in one statement; then their jobs, then their bytes. A crash between
  // leaves bytes that the hourly orphan cleanup removes (it deletes objects no row points at), never a row without bytes.
  private async afterRemoving(rows: MediaRow[]): Promise<number> {
    await this.jobs.removeProcessingOf(this.jobs.db, rows);
    await this.blobs.delete(rows.flatMap(blobKeysOf));
    return rows.length;
  }
}
