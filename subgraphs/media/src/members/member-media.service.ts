import { and, eq, inArray } from "drizzle-orm";
import { isUuid } from "@localex/common";
import { jobs, media, type MediaDatabase } from "../db/schema.ts";
import { blobKeysOf, type MediaStore } from "../media/media.store.ts";
import type { BlobStore } from "../storage/index.ts";
import { markDeparted } from "./departures.ts";

/**
 * What identity asks of media about one member (issue 12): which of their documents can back a
 * verification request, deleting those documents once decided, and forgetting every file of a
 * member whose account is deleted. Every deletion is idempotent: a step run twice deletes once.
 */
export class MemberMediaService {
  private readonly db: MediaDatabase;

  constructor(
    private readonly store: MediaStore,
    private readonly blobs: BlobStore,
  ) {
    this.db = store.db;
  }

  /** The ids among `ids` that are the member's own processed private documents. */
  async readyDocuments(ownerId: string, ids: readonly string[]): Promise<string[]> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return [];
    const rows = await this.db
      .select({ id: media.id })
      .from(media)
      .where(and(eq(media.ownerId, ownerId), eq(media.purpose, "DOCUMENT"), eq(media.status, "READY"), inArray(media.id, valid)));
    return rows.map((r) => r.id);
  }

  /** Deletes the member's documents among `ids`, rows and bytes; returns how many rows went. */
  async deleteDocuments(ownerId: string, ids: readonly string[]): Promise<number> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return 0;
    return this.removeWhere(and(eq(media.ownerId, ownerId), eq(media.purpose, "DOCUMENT"), inArray(media.id, valid))!);
  }

  /**
   * Every file and job result of the member, gone from storage and from our tables. Marked first
   * (departures.ts): nothing of theirs is recorded after, and what was recorded before is here.
   */
  async forgetMember(ownerId: string): Promise<number> {
    await markDeparted(this.store, ownerId);
    const removed = await this.removeWhere(eq(media.ownerId, ownerId));
    const results = await this.db.delete(jobs).where(eq(jobs.ownerId, ownerId)).returning({ resultKey: jobs.resultKey });
    await this.blobs.delete(results.flatMap((j) => (j.resultKey ? [j.resultKey] : [])));
    return removed;
  }

  // Rows first, in one statement; then their bytes. A crash between leaves bytes that the
  // hourly orphan cleanup removes (it deletes objects no row points at), never a row without bytes.
  private async removeWhere(where: ReturnType<typeof eq>): Promise<number> {
    const rows = await this.db.delete(media).where(where).returning();
    const jobIds = rows.flatMap((r) => (r.jobId ? [r.jobId] : []));
    if (jobIds.length > 0) await this.db.delete(jobs).where(inArray(jobs.id, jobIds));
    await this.blobs.delete(rows.flatMap(blobKeysOf));
    return rows.length;
  }
}
