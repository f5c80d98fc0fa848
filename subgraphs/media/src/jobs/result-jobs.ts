import type { Caller, Logger } from "@localex/common";
import type { JobRow, Tx } from "../db/schema.ts";
import type { MediaStore } from "../media/media.store.ts";
import { departing, hasDeparted } from "../members/departures.ts";
import type { BlobStore } from "../storage/index.ts";
import type { JobsStore } from "./jobs.store.ts";

export interface ResultSettings {
  /** How long a result stays downloadable (DATA_EXPORT_TTL_HOURS). */
  ttlHours: number;
  /** How long one signed download link works (MEDIA_URL_TTL_SECONDS). */
  linkTtlSeconds: number;
}

/** One kind of job that makes a private file for its owner: what it does, and what follows. */
export interface ResultWork {
  /** For the log: "data export", "statement". */
  name: string;
  /** What failed, in the member's words: "Gathering your data", "Writing your statement". */
  failing: string;
  /** Writes the job's result to the blob store and returns its key; reports progress (0 to 1) as it goes. */
  produce(job: JobRow, progress: (fraction: number) => Promise<void>): Promise<string>;
  /** In the transaction that marks the job SUCCEEDED (a notification, say). */
  succeeded?(tx: Tx, job: JobRow): Promise<void>;
}

/**
 * Jobs whose result is a private file offered to their owner alone (data exports, ledger
 * statements): one lifecycle for all of them. A job a member follows like any other; its task
 * writes the file, the job becomes SUCCEEDED naming it (`resultKey`) until it expires, and
 * `Job.downloadUrl` signs a short-lived link for the owner. A member whose files were forgotten
 * meanwhile (account deletion) loses the job and its file, whenever that is noticed.
 */
export class ResultJobs {
  constructor(
    private readonly jobs: JobsStore,
    private readonly media: MediaStore,
    private readonly blobs: BlobStore,
    private readonly settings: ResultSettings,
    private readonly log: Logger,
  ) {}

  /** A new job for the member, queued in the same transaction that records it; refused (MEMBER_DEPARTING) once their files were forgotten. */
  async start(
    ownerId: string,
    values: { kind: string; maxAttempts: number; input?: Record<string, unknown> },
    enqueue: (tx: Tx, jobId: string) => Promise<void>,
  ): Promise<JobRow> {
    return this.jobs.transaction(async (tx) => {
      await this.media.lockOwner(tx, ownerId);
      if (await hasDeparted(tx, ownerId)) throw departing();
      const row = await this.jobs.insert(tx, { ownerId, ...values });
      await enqueue(tx, row.id);
      return row;
    });
  }

  /** The result's signed link: for the job's owner only (not even admins), while it lasts. */
  async downloadUrl(job: JobRow, caller: Caller | null): Promise<string | null> {
    if (!caller || caller.userId !== job.ownerId) return null;
    if (job.status !== "SUCCEEDED" || !job.resultKey || !job.resultExpiresAt || job.resultExpiresAt <= new Date()) return null;
    const seconds = Math.min(this.settings.linkTtlSeconds, Math.floor((job.resultExpiresAt.getTime() - Date.now()) / 1000));
    return seconds > 0 ? this.blobs.signedGetUrl(job.resultKey, { expiresInSeconds: seconds }) : null;
  }

  /** Runs one attempt of the job; throws to be retried. */
  async run(jobId: string, attempt: { attempts: number; maxAttempts: number }, work: ResultWork): Promise<void> {
    const job = await this.jobs.byId(jobId);
    if (!job || job.status === "SUCCEEDED") return;
    if (await hasDeparted(this.jobs.db, job.ownerId)) return this.discard(job.id, null, work);
    await this.jobs.update(this.jobs.db, jobId, { status: "RUNNING", attempts: attempt.attempts, progress: 0, error: null });
    try {
      const key = await work.produce(job, (fraction) => this.jobs.recordProgress(jobId, fraction));
      const expiresAt = new Date(Date.now() + this.settings.ttlHours * 3_600_000);
      // Under the owner's lock (members/departures.ts): either this commits first, and forgetting
      // the member deletes the file it names, or the member's files are forgotten and it is discarded.
      const kept = await this.jobs.transaction(async (tx) => {
        await this.media.lockOwner(tx, job.ownerId);
        if (await hasDeparted(tx, job.ownerId)) return false;
        const done = await this.jobs.update(tx, jobId, { status: "SUCCEEDED", progress: 1, error: null, resultKey: key, resultExpiresAt: expiresAt });
        if (!done) return false;
        await work.succeeded?.(tx, job);
        return true;
      });
      if (!kept) return this.discard(jobId, key, work);
    } catch (error) {
      if (await hasDeparted(this.jobs.db, job.ownerId)) return this.discard(jobId, null, work);
      const last = attempt.attempts >= attempt.maxAttempts;
      this.log.warn({ jobId, attempts: attempt.attempts, reason: error instanceof Error ? error.message.slice(0, 300) : String(error) }, `${work.name} failed`);
      const reason = `${work.failing} failed on our side (attempt ${attempt.attempts} of ${attempt.maxAttempts}); ${last ? "retryJob runs it again" : "it will be retried"}.`;
      await this.jobs.update(this.jobs.db, jobId, { status: last ? "DEAD" : "RETRYING", error: reason, progress: null });
      throw error;
    }
  }

  /** Deletes results past their time (the hourly cleanup); returns how many. */
  async expire(now = new Date()): Promise<number> {
    const expired = await this.jobs.expiredResults(now);
    if (expired.length === 0) return 0;
    await this.blobs.delete(expired.map((j) => j.resultKey));
    for (const job of expired) await this.jobs.update(this.jobs.db, job.id, { resultKey: null });
    return expired.length;
  }

  /** A job nobody may have any more: its file (if written) and its row go, and the job ends without a retry. */
  private async discard(jobId: string, resultKey: string | null, work: ResultWork): Promise<void> {
    const row = await this.jobs.remove(this.jobs.db, jobId);
    const keys = new Set([resultKey, row?.resultKey].filter((k): k is string => typeof k === "string"));
    await this.blobs.delete([...keys]);
    this.log.info({ jobId }, `discarded the ${work.name} of a member whose account is being deleted`);
  }
}
