import { and, desc, eq, inArray, sql, type SQL } from "drizzle-orm";
import { afterCommit, decodeInstantCursor, enqueueJob, isUuid, TASKS, TOPICS, toConnection, unitOfWork, type Connection, type EventBus } from "@localex/common";
import { jobs, type JobRow, type JobStatusName, type MediaDatabase, type Tx } from "../db/schema.ts";

export const PROCESS_MEDIA_ATTEMPTS = 5;


/**
 * Job rows (what members follow) and their graphile-worker jobs (what runs them). Every write of
 * a job row announces it to `jobUpdated` subscribers, nobody by hand: at once when written
 * outside a transaction (the statement has committed), after the commit when written in one
 * begun by `transaction` (and never when it rolls back).
 */
export class JobsStore {
  constructor(
    readonly db: MediaDatabase,
    private readonly events: EventBus,
  ) {}

  async byIds(ids: readonly string[]): Promise<JobRow[]> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return [];
    return this.db.select().from(jobs).where(inArray(jobs.id, valid));
  }

  /** Every job in a status (all, without one), most recently changed first: what admins review. */
  async page(status: JobStatusName | null, first: number, after: string | null): Promise<Connection<JobRow>> {
    const cursor = decodeInstantCursor(after);
    const page: SQL | undefined = cursor ? sql`(${jobs.updatedAt}, ${jobs.id}) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)` : undefined;
    const filter = status ? eq(jobs.status, status) : undefined;
    const [rows, [count]] = await Promise.all([
      this.db.select().from(jobs).where(and(filter, page)).orderBy(desc(jobs.updatedAt), desc(jobs.id)).limit(first + 1),
      this.db.select({ n: sql<number>`count(*)::int` }).from(jobs).where(filter),
    ]);
    return toConnection(rows, first, (r) => [r.updatedAt.toISOString(), r.id], count?.n ?? 0, cursor !== null);
  }

  async byId(id: string): Promise<JobRow | null> {
    return (await this.byIds([id]))[0] ?? null;
  }

  /** A transaction whose job writes are announced once it commits (unitOfWork). */
  transaction<R>(work: (tx: Tx) => Promise<R>): Promise<R> {
    return unitOfWork<Tx, R>((w) => this.db.transaction(w), work);
  }

  /** A new job row, in the caller's transaction (so it exists iff what it runs for does). */
  async insert(tx: Tx, values: typeof jobs.$inferInsert): Promise<JobRow> {
    const [row] = await tx.insert(jobs).values(values).returning();
    this.announceWhenCommitted(tx, row!.id);
    return row!;
  }

  /** A processing job for the media, enqueued in the caller's transaction (so it exists iff the media does). */
  async startProcessing(tx: Tx, ownerId: string, mediaId: string): Promise<JobRow> {
    const row = await this.insert(tx, { ownerId, kind: TASKS.processMedia, mediaId, maxAttempts: PROCESS_MEDIA_ATTEMPTS });
    await this.enqueue(tx, row.id);
    return row;
  }

  async enqueue(tx: Tx, jobId: string): Promise<void> {
    // One queued run per job: a retry requested twice runs once.
    await enqueueJob(tx, TASKS.processMedia, { jobId }, { jobKey: `media-process:${jobId}`, maxAttempts: PROCESS_MEDIA_ATTEMPTS });
  }

  async update(tx: Tx | MediaDatabase, id: string, set: Partial<typeof jobs.$inferInsert>): Promise<JobRow | null> {
    const [row] = await tx
      .update(jobs)
      .set({ ...set, updatedAt: sql`now()` })
      .where(eq(jobs.id, id))
      .returning();
    if (row) this.announceWhenCommitted(tx, id);
    return row ?? null;
  }

  /** Deletes a job row (its subscribers learn it is gone: `jobUpdated` answers null); returns what it held. */
  async remove(tx: Tx | MediaDatabase, id: string): Promise<JobRow | null> {
    const [row] = await tx.delete(jobs).where(eq(jobs.id, id)).returning();
    this.announceWhenCommitted(tx, id);
    return row ?? null;
  }

  /** A running job's progress; never written over a job that has ended. */
  async recordProgress(id: string, progress: number): Promise<void> {
    await this.db
      .update(jobs)
      .set({ progress, updatedAt: sql`now()` })
      .where(and(eq(jobs.id, id), eq(jobs.status, "RUNNING")));
    this.announceWhenCommitted(this.db, id);
  }

  /** Tells `jobUpdated` subscribers once the write is committed (never waits on them). */
  private announceWhenCommitted(executor: Tx | MediaDatabase, jobId: string): void {
    const announce = () => this.events.publish(TOPICS.job(jobId), { id: jobId });
    if (executor === this.db) announce();
    else afterCommit(executor, `job:${jobId}`, announce);
  }
}
