import { accepted, recordAdminAct, refusal, type Caller, type Outcome } from "@localex/common";
import type { JobRow, Tx } from "../db/schema.ts";
import type { MediaStore } from "../media/media.store.ts";
import type { JobsStore } from "./jobs.store.ts";
import { canSeeJob } from "./visibility.ts";

export class JobsService {
  constructor(
    private readonly jobs: JobsStore,
    private readonly media: MediaStore,
    /** Jobs whose result is a file (exports, statements), by kind: how each is queued again. */
    private readonly resultJobs: Record<string, { enqueue(tx: Tx, jobId: string): Promise<void> }>,
  ) {}

  /** A FAILED job queued again, with its attempts starting over; refused when it cannot help. */
  async retry(caller: Caller, id: string): Promise<Outcome<JobRow>> {
    const job = await this.jobs.byId(id);
    if (!job || !canSeeJob(job, caller)) return refusal("NOT_FOUND", "There is no job with that id.", "id");
    const conflict = (message: string) => refusal("CONFLICT", message, "id");
    if (job.status === "FAILED") return conflict(`The job cannot succeed on another run: ${job.error ?? "its input was refused"}`);
    if (job.status !== "DEAD") return conflict(`The job is ${job.status}; only a DEAD job can be retried.`);
    // An admin running a member's job again acts on the member: recorded with the retry.
    const audit = async (tx: Tx) => {
      if (caller.role !== "admin" || caller.userId === job.ownerId) return;
      await recordAdminAct(tx, {
        admin: caller.userId,
        action: "JOB_RETRIED",
        subject: { kind: "JOB", id: job.id },
        members: [job.ownerId],
        reason: null,
        details: { kind: job.kind },
      });
    };
    const resultJob = Object.hasOwn(this.resultJobs, job.kind) ? this.resultJobs[job.kind] : undefined;
    if (resultJob) {
      const queued = await this.jobs.transaction(async (tx) => {
        const again = await this.jobs.update(tx, id, { status: "QUEUED", error: null, progress: null });
        await resultJob.enqueue(tx, id);
        await audit(tx);
        return again!;
      });
      return accepted(queued);
    }
    const row = job.mediaId ? await this.media.byId(job.mediaId) : null;
    if (!row?.stagingKey) return conflict("The upload this job processed is gone; upload the file again.");
    const queued = await this.jobs.transaction(async (tx) => {
      const again = await this.jobs.update(tx, id, { status: "QUEUED", error: null, progress: null });
      await this.media.update(tx, row.id, { status: "PENDING", error: null });
      await this.jobs.enqueue(tx, id);
      await audit(tx);
      return again!;
    });
    return accepted(queued);
  }
}
