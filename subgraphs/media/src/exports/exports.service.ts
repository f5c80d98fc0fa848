import { Readable } from "node:stream";
import { enqueueJob, TASKS, type InternalClient } from "@localex/common";
import type { JobRow } from "../db/schema.ts";
import type { ResultJobs, ResultWork } from "../jobs/result-jobs.ts";
import type { MediaStore } from "../media/media.store.ts";
import type { BlobStore } from "../storage/index.ts";
import { buildMemberArchive } from "./member-archive.ts";
import { gatherSections, mediaSection } from "./member-sections.ts";

export const EXPORT_ATTEMPTS = 5;

/**
 * Data exports (issue 12): a job a member follows like any other; its task gathers every
 * subgraph's section into one zip, stored privately and offered to the member alone by a
 * short-lived signed link until the archive expires (ResultJobs).
 */
export class DataExportsService {
  private readonly work: ResultWork;

  constructor(
    private readonly media: MediaStore,
    private readonly results: ResultJobs,
    private readonly blobs: BlobStore,
    private readonly internal: InternalClient,
  ) {
    this.work = {
      name: "data export",
      failing: "Gathering your data",
      produce: (job, progress) => this.writeArchive(job, progress),
      succeeded: (tx, job) => enqueueJob(tx, TASKS.notify, { userId: job.ownerId, kind: "DATA_EXPORT_READY", key: `data-export:${job.id}`, jobId: job.id }),
    };
  }

  /** A new export job for the member, queued in the same transaction that records it; refused once their files were forgotten. */
  start(userId: string): Promise<JobRow> {
    return this.results.start(userId, { kind: TASKS.exportMemberData, maxAttempts: EXPORT_ATTEMPTS }, (tx, jobId) => this.enqueue(tx, jobId));
  }

  async enqueue(tx: Parameters<typeof enqueueJob>[0], jobId: string): Promise<void> {
    await enqueueJob(tx, TASKS.exportMemberData, { jobId }, { jobKey: `data-export:${jobId}`, maxAttempts: EXPORT_ATTEMPTS });
  }

  /** Runs one attempt of the export job; throws to be retried. */
  run(jobId: string, attempt: { attempts: number; maxAttempts: number }): Promise<void> {
    return this.results.run(jobId, attempt, this.work);
  }

  private async writeArchive(job: JobRow, progress: (fraction: number) => Promise<void>): Promise<string> {
    const sections = await gatherSections(this.internal, job.ownerId);
    await progress(0.6);
    const files = await this.media.allOf(job.ownerId);
    const archive = buildMemberArchive({ id: job.ownerId, exportedAt: new Date() }, [...sections, mediaSection(files, (k) => this.blobs.publicUrl(k))]);
    const key = `private/exports/${job.ownerId}/${job.id}.zip`;
    await this.blobs.putStream(key, Readable.from([archive]), { contentType: "application/zip", cacheControl: "private, no-store" });
    await progress(0.9);
    return key;
  }
}
