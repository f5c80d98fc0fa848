import { GraphQLError } from "graphql";
import { notFound, TASKS, type Caller } from "@localex/common";
import type { JobRow, Tx } from "../db/schema.ts";
import type { MediaStore } from "../media/media.store.ts";
import type { JobsStore } from "./jobs.store.ts";
import { canSeeJob } from "./visibility.ts";

export class JobsService {
  constructor(
    private readonly jobs: JobsStore,
    private readonly media: MediaStore,
    private readonly exports: { enqueue(tx: Tx, jobId: string): Promise<void> },
  ) {}

  /** A FAILED job queued again, with its attempts starting over; refused when it cannot help. */
  async retry(caller: Caller, id: string): Promise<JobRow> {
    const job = await this.jobs.byId(id);
    if (!job || !canSeeJob(job, caller)) throw notFound("Job");
    const conflict = (message: string) => new GraphQLError(message, { extensions: { code: "CONFLICT" } });
    if (job.status === "FAILED") throw conflict(`The job cannot succeed on another run: ${job.error ?? "its input was refused"}`);
    if (job.status !== "DEAD") throw conflict(`The job is ${job.status}; only a DEAD job can be retried.`);
    if (job.kind === TASKS.exportMemberData) {
      const queued = await this.jobs.db.transaction(async (tx) => {
        const again = await this.jobs.update(tx, id, { status: "QUEUED", error: null, progress: null });
        await this.exports.enqueue(tx, id);
        return again!;
      });
      this.jobs.announce(id);
      return queued;
    }
    const row = job.mediaId ? await this.media.byId(job.mediaId) : null;
    if (!row?.stagingKey) throw conflict("The upload this job processed is gone; upload the file again.");
    const queued = await this.jobs.db.transaction(async (tx) => {
      const again = await this.jobs.update(tx, id, { status: "QUEUED", error: null, progress: null });
      await this.media.update(tx, row.id, { status: "PENDING", error: null });
      await this.jobs.enqueue(tx, id);
      return again!;
    });
    this.jobs.announce(id);
    return queued;
  }
}
