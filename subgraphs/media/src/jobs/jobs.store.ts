import { and, desc, eq, inArray, isNotNull, lt, sql, type SQL } from "drizzle-orm";
import { afterCommit, decodeInstantCursor, enqueueJob, isUuid, TASKS, TOPICS, toConnection, unitOfWork, type Connection, type EventBus } from "@localex/common";
import { jobs, type JobRow, type JobStatusName, type MediaDatabase, type Tx } from "../db/schema.ts";

export const PROCESS_MEDIA_ATTEMPTS = 5;

/**
 * Every SQL statement on job rows (what members follow), and their graphile-worker jobs (what
 * runs them). Every write of a job row queues its announcement to `jobUpdated` subscribers
 * (afterCommit), nobody by hand: a write outside a transaction runs in its own unit of work, so
 * the announcement follows its commit too (and never a rollback).
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
      this.db
        .select()
        .from(jobs)
        .where(and(filter, page))
        .orderBy(desc(jobs.updatedAt), desc(jobs.id))
        .limit(first + 1),
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

  async update(executor: Tx | MediaDatabase, id: string, set: Partial<typeof jobs.$inferInsert>): Promise<JobRow | null> {
    return this.within(executor, async (tx) => {
      const [row] = await tx
        .update(jobs)
        .set({ ...set, updatedAt: sql`now()` })
        .where(eq(jobs.id, id))
        .returning();
      if (row) this.announceWhenCommitted(tx, id);
      return row ?? null;
    });
  }

  /** Deletes a job row (its subscribers learn it is gone: `jobUpdated` answers null); returns what it held. */
  async remove(executor: Tx | MediaDatabase, id: string): Promise<JobRow | null> {
    return this.within(executor, async (tx) => {
      const [row] = await tx.delete(jobs).where(eq(jobs.id, id)).returning();
      this.announceWhenCommitted(tx, id);
      return row ?? null;
    });
  }

  /**
   * Deletes the processing jobs of media rows just removed, in one statement. Unannounced, as
   * they always were: their subscribers' `jobUpdated` has nothing more to say.
   */
  async removeProcessingOf(executor: Tx | MediaDatabase, removed: readonly { jobId: string | null }[]): Promise<void> {
    const ids = removed.flatMap((r) => (r.jobId ? [r.jobId] : []));
    if (ids.length > 0) await executor.delete(jobs).where(inArray(jobs.id, ids));
  }

  /** Deletes every job of the member, unannounced (their account is going); answers the result files they named. */
  async removeAllOf(ownerId: string): Promise<string[]> {
    const rows = await this.db.delete(jobs).where(eq(jobs.ownerId, ownerId)).returning({ resultKey: jobs.resultKey });
    return rows.flatMap((j) => (j.resultKey ? [j.resultKey] : []));
  }

  /** A running job's progress; never written over a job that has ended. */
  async recordProgress(id: string, progress: number): Promise<void> {
    await this.transaction(async (tx) => {
      await tx
        .update(jobs)
        .set({ progress, updatedAt: sql`now()` })
        .where(and(eq(jobs.id, id), eq(jobs.status, "RUNNING")));
      this.announceWhenCommitted(tx, id);
    });
  }

  /** Jobs whose result expired by `now`, and the file each names. */
  async expiredResults(now: Date): Promise<{ id: string; resultKey: string }[]> {
    const rows = await this.db
      .select({ id: jobs.id, resultKey: jobs.resultKey })
      .from(jobs)
      .where(and(isNotNull(jobs.resultKey), lt(jobs.resultExpiresAt, now)));
    return rows.map((r) => ({ id: r.id, resultKey: r.resultKey! }));
  }

  /** The keys among `keys` that a job names as its result. */
  async namedResults(keys: readonly string[]): Promise<Set<string>> {
    const rows = await this.db
      .select({ key: jobs.resultKey })
      .from(jobs)
      .where(inArray(jobs.resultKey, [...keys]));
    return new Set(rows.flatMap((j) => (j.key ? [j.key] : [])));
  }

  /** `write` in the caller's transaction, or else in a unit of work of its own. */
  private within<R>(executor: Tx | MediaDatabase, write: (tx: Tx) => Promise<R>): Promise<R> {
    return executor === this.db ? this.transaction(write) : write(executor as Tx);
  }

  /** Tells `jobUpdated` subscribers once the write is committed (never waits on them). */
  private announceWhenCommitted(tx: Tx, jobId: string): void {
    afterCommit(tx, `job:${jobId}`, () => this.events.publish(TOPICS.job(jobId), { id: jobId }));
  }
}
