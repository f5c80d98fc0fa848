import { Readable } from "node:stream";
import { and, eq, isNotNull, lt } from "drizzle-orm";
import { enqueueJob, TASKS, type Caller, type InternalClient, type Logger } from "@localex/common";
import { jobs, media, type JobRow } from "../db/schema.ts";
import type { JobsStore } from "../jobs/jobs.store.ts";
import type { MediaStore } from "../media/media.store.ts";
import { departing, hasDeparted } from "../members/departures.ts";
import type { BlobStore } from "../storage/index.ts";
import { buildMemberArchive } from "./member-archive.ts";
import { gatherSections, mediaSection } from "./member-sections.ts";

export const EXPORT_ATTEMPTS = 5;

export interface ExportSettings {
  /** How long the archive stays downloadable. */
  ttlHours: number;
  /** How long one signed download link works. */
  linkTtlSeconds: number;
}

/**
 * Data exports (issue 12): a job a member follows like any other; its task gathers every
 * subgraph's section into one zip, stored privately and offered to the member alone by a
 * short-lived signed link until the archive expires.
 */
export class DataExportsService {
  constructor(
    private readonly jobs: JobsStore,
    private readonly media: MediaStore,
    private readonly blobs: BlobStore,
    private readonly internal: InternalClient,
    private readonly settings: ExportSettings,
    private readonly log: Logger,
  ) {}

  /** A new export job for the member, queued in the same transaction that records it; refused once their files were forgotten. */
  async start(userId: string): Promise<JobRow> {
    return this.jobs.transaction(async (tx) => {
      await this.media.lockOwner(tx, userId);
      if (await hasDeparted(tx, userId)) throw departing();
      const row = await this.jobs.insert(tx, { ownerId: userId, kind: TASKS.exportMemberData, maxAttempts: EXPORT_ATTEMPTS });
      await this.enqueue(tx, row.id);
      return row;
    });
  }

  async enqueue(tx: Parameters<typeof enqueueJob>[0], jobId: string): Promise<void> {
    await enqueueJob(tx, TASKS.exportMemberData, { jobId }, { jobKey: `data-export:${jobId}`, maxAttempts: EXPORT_ATTEMPTS });
  }

  /** The archive's signed link: for the job's owner only (not even admins), while it lasts. */
  async downloadUrl(job: JobRow, caller: Caller | null): Promise<string | null> {
    if (!caller || caller.userId !== job.ownerId) return null;
    if (job.status !== "SUCCEEDED" || !job.resultKey || !job.resultExpiresAt || job.resultExpiresAt <= new Date()) return null;
    const seconds = Math.min(this.settings.linkTtlSeconds, Math.floor((job.resultExpiresAt.getTime() - Date.now()) / 1000));
    return seconds > 0 ? this.blobs.signedGetUrl(job.resultKey, { expiresInSeconds: seconds }) : null;
  }

  /**
   * Runs one attempt of the export job; throws to be retried. The export of a member whose files
   * were forgotten meanwhile (account deletion) is discarded, archive and job, whenever it notices.
   */
  async run(jobId: string, attempt: { attempts: number; maxAttempts: number }): Promise<void> {
    const job = await this.jobs.byId(jobId);
    if (!job || job.status === "SUCCEEDED") return;
    if (await hasDeparted(this.jobs.db, job.ownerId)) return this.discard(job.id, null);
    await this.jobs.update(this.jobs.db, jobId, { status: "RUNNING", attempts: attempt.attempts, progress: 0, error: null });
    try {
      const sections = await gatherSections(this.internal, job.ownerId);
      await this.progress(jobId, 0.6);
      const files = await this.jobs.db.select().from(media).where(eq(media.ownerId, job.ownerId));
      const archive = buildMemberArchive({ id: job.ownerId, exportedAt: new Date() }, [...sections, mediaSection(files, (k) => this.blobs.publicUrl(k))]);
      const key = `private/exports/${job.ownerId}/${jobId}.zip`;
      await this.blobs.putStream(key, Readable.from([archive]), { contentType: "application/zip", cacheControl: "private, no-store" });
      await this.progress(jobId, 0.9);
      const expiresAt = new Date(Date.now() + this.settings.ttlHours * 3_600_000);
      // Under the owner's lock (members/departures.ts): either this commits first, and forgetting
      // the member deletes the archive it names, or the member's files are forgotten and it is discarded.
      const kept = await this.jobs.transaction(async (tx) => {
        await this.media.lockOwner(tx, job.ownerId);
        if (await hasDeparted(tx, job.ownerId)) return false;
        const done = await this.jobs.update(tx, jobId, { status: "SUCCEEDED", progress: 1, error: null, resultKey: key, resultExpiresAt: expiresAt });
        if (!done) return false;
        await enqueueJob(tx, TASKS.notify, { userId: job.ownerId, kind: "DATA_EXPORT_READY", key: `data-export:${jobId}`, jobId });
        return true;
      });
      if (!kept) return this.discard(jobId, key);
    } catch (error) {
      if (await hasDeparted(this.jobs.db, job.ownerId)) return this.discard(jobId, null);
      const last = attempt.attempts >= attempt.maxAttempts;
      this.log.warn({ jobId, attempts: attempt.attempts, reason: error instanceof Error ? error.message.slice(0, 300) : String(error) }, "data export failed");
      const reason = `Gathering your data failed on our side (attempt ${attempt.attempts} of ${attempt.maxAttempts}); ${last ? "retryJob runs it again" : "it will be retried"}.`;
      await this.jobs.update(this.jobs.db, jobId, { status: last ? "DEAD" : "RETRYING", error: reason, progress: null });
      throw error;
    }
  }

  /** Deletes archives past their time (the hourly cleanup); returns how many. */
  async expireArchives(now = new Date()): Promise<number> {
    const expired = await this.jobs.db
      .select({ id: jobs.id, resultKey: jobs.resultKey })
      .from(jobs)
      .where(and(isNotNull(jobs.resultKey), lt(jobs.resultExpiresAt, now)));
    if (expired.length === 0) return 0;
    await this.blobs.delete(expired.map((j) => j.resultKey!));
    for (const job of expired) await this.jobs.update(this.jobs.db, job.id, { resultKey: null });
    return expired.length;
  }

  /** An export nobody may have any more: its archive (if written) and its job row go, and the job ends without a retry. */
  private async discard(jobId: string, archiveKey: string | null): Promise<void> {
    const row = await this.jobs.remove(this.jobs.db, jobId);
    const keys = new Set([archiveKey, row?.resultKey].filter((k): k is string => typeof k === "string"));
    await this.blobs.delete([...keys]);
    this.log.info({ jobId }, "discarded the data export of a member whose account is being deleted");
  }

  private async progress(jobId: string, fraction: number): Promise<void> {
    await this.jobs.recordProgress(jobId, fraction);
  }
}
