import { TASKS, type Logger } from "@localex/common";
import type { MediaRow } from "../db/schema.ts";
import type { JobsStore } from "../jobs/jobs.store.ts";
import { blobKeysOf, type MediaStore } from "../media/media.store.ts";
import type { MediaPurges } from "../cdn/index.ts";
import { removeMedia } from "../media/remove-media.ts";
import type { ListingOwners } from "../photos/listing-owners.ts";
import type { BlobStore } from "../storage/index.ts";

export interface CleanupReport {
  abandonedUploads: number;
  failedMedia: number;
  photosOfGoneListings: number;
  strayBlobs: number;
}

/** How long FAILED media stay, so their owner can see why, and how old a blob must be to count as stray. */
const FAILED_KEPT_MS = 7 * 86_400_000;
const STRAY_AFTER_MS = 3_600_000;
const ID_IN_KEY = /^(?:staging|received|public\/media|private\/documents)\/([0-9a-f-]{36})(?:\/|$)/;
/** Job results (jobs/result-jobs.ts: data-export archives, ledger statements): kept only while a job names them (its resultKey). */
const RESULT_PREFIXES = ["private/exports/", "private/statements/"];
/** Upload bytes waiting for a job: kept only while their row still points at them (its stagingKey). */
const WAITING_PREFIXES = new Set(["staging/", "received/"]);

/**
 * Orphan cleanup, run hourly (`media:cleanup`) and on demand: presigned uploads never completed,
 * FAILED media after a week, photos of listings archived or gone, and blobs no media row (or, for
 * a job's result, no job) names (left by a crash between storing and recording).
 */
export class CleanupService {
  constructor(
    private readonly store: MediaStore,
    private readonly jobs: JobsStore,
    private readonly blobs: BlobStore,
    private readonly listings: ListingOwners,
    private readonly purges: MediaPurges,
    private readonly log: Logger,
  ) {}

  async run(now = new Date()): Promise<CleanupReport> {
    const abandoned = await this.store.abandonedUploads(now);
    const failed = await this.store.failedBefore(new Date(now.getTime() - FAILED_KEPT_MS));
    const report: CleanupReport = {
      abandonedUploads: await this.removeAll(abandoned),
      failedMedia: await this.removeAll(failed),
      photosOfGoneListings: await this.removePhotosOfGoneListings(),
      strayBlobs: (await this.removeStrayBlobs(now)) + (await this.removeStrayArchives(now)),
    };
    if (Object.values(report).some((n) => n > 0)) this.log.info(report, "media cleanup");
    return report;
  }

  private async removePhotosOfGoneListings(): Promise<number> {
    const listingIds = await this.store.listingIds();
    let removed = 0;
    for (let i = 0; i < listingIds.length; i += 500) {
      const ids = listingIds.slice(i, i + 500);
      const known = new Map((await this.listings.of(ids)).map((l) => [l.id, l.status]));
      const gone = ids.filter((id) => !known.has(id) || known.get(id) === "ARCHIVED");
      if (gone.length === 0) continue;
      removed += await this.removeAll(await this.store.allOfListings(gone));
    }
    return removed;
  }

  private async removeStrayBlobs(now: Date): Promise<number> {
    let removed = 0;
    for (const prefix of ["staging/", "received/", "public/media/", "private/documents/"]) {
      const candidates = new Map<string, string[]>();
      for await (const blob of this.blobs.list(prefix)) {
        const id = ID_IN_KEY.exec(blob.key)?.[1];
        if (!id || now.getTime() - blob.lastModified.getTime() < STRAY_AFTER_MS) continue;
        candidates.set(id, [...(candidates.get(id) ?? []), blob.key]);
      }
      const ids = [...candidates.keys()];
      for (let i = 0; i < ids.length; i += 500) {
        const batch = ids.slice(i, i + 500);
        const rows = new Map((await this.store.byIds(batch)).map((r) => [r.id, r]));
        // A waiting blob its row no longer points at is stray too: a second PUT to a used upload
        // URL (S3 accepts it until the URL expires), or a completion whose claim lost.
        const isStray = (id: string, key: string) => !rows.has(id) || (WAITING_PREFIXES.has(prefix) && rows.get(id)!.stagingKey !== key);
        const stray = batch.flatMap((id) => candidates.get(id)!.filter((key) => isStray(id, key)));
        await this.blobs.delete(stray);
        removed += stray.length;
      }
    }
    return removed;
  }

  /**
   * Job results no job names: left by a crash between writing one and recording (or
   * discarding) it, say an export of a member deleted meanwhile. Expired ones go with ResultJobs.expire.
   */
  private async removeStrayArchives(now: Date): Promise<number> {
    const keys: string[] = [];
    for (const prefix of RESULT_PREFIXES) {
      for await (const blob of this.blobs.list(prefix)) {
        if (now.getTime() - blob.lastModified.getTime() >= STRAY_AFTER_MS) keys.push(blob.key);
      }
    }
    let removed = 0;
    for (let i = 0; i < keys.length; i += 500) {
      const batch = keys.slice(i, i + 500);
      const named = await this.jobs.namedResults(batch);
      const stray = batch.filter((key) => !named.has(key));
      await this.blobs.delete(stray);
      removed += stray.length;
    }
    return removed;
  }

  private async removeAll(rows: MediaRow[]): Promise<number> {
    let removed = 0;
    for (const row of rows) {
      const gone = await removeMedia({ media: this.store, jobs: this.jobs, purges: this.purges }, row.id);
      if (!gone) continue;
      await this.blobs.delete(blobKeysOf(gone));
      removed++;
    }
    return removed;
  }
}

/** graphile-worker crontab: at minute 17 of every hour. */
export const CLEANUP_CRONTAB = `17 * * * * ${TASKS.cleanUpMedia}`;
