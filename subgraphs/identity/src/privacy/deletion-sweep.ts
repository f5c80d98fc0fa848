import { and, asc, isNull, lt } from "drizzle-orm";
import { connect, database, enqueueJob, jobTask, TASKS, type Database, type Logger, type Task } from "@localex/common";
import { accountDeletions, schema } from "../db/schema.ts";
import { DELETION_STEPS, deletionJobKey, type DeletionStep } from "./account-deletion.service.ts";

type IdentityDatabase = Database<typeof schema>;

export interface UnfinishedDeletion {
  userId: string;
  requestedAt: Date;
  /** The steps not yet done, in order: what of the member is still kept. */
  remaining: DeletionStep[];
  lastError: string | null;
}

/** A deletion this old and not finished is an operator's concern, not a retry under way. */
const LATE_MS = 86_400_000;

/**
 * Every deletion requested before `before` and not finished, with its job queued again to run
 * now, its attempts starting over (the same job key: a job waiting for its retry is moved to now,
 * one that gave up is revived, one that was lost is added). So a deletion is never left dead:
 * whatever stopped it, the next sweep runs it again from the step not yet done.
 */
export async function resumeUnfinishedDeletions(db: IdentityDatabase, before: Date): Promise<UnfinishedDeletion[]> {
  const rows = await db
    .select()
    .from(accountDeletions)
    .where(and(isNull(accountDeletions.completedAt), lt(accountDeletions.requestedAt, before)))
    .orderBy(asc(accountDeletions.requestedAt));
  for (const row of rows) await enqueueJob(db, TASKS.deleteAccount, { userId: row.userId }, { jobKey: deletionJobKey(row.userId) });
  return rows.map((row) => ({
    userId: row.userId,
    requestedAt: row.requestedAt,
    remaining: DELETION_STEPS.filter((s) => !row.stepsDone.includes(s)),
    lastError: row.lastError,
  }));
}

/** graphile-worker crontab: at minute 43 of every hour. */
export const RESUME_DELETIONS_CRONTAB = `43 * * * * ${TASKS.resumeDeletions}`;

/** The hourly sweep: deletions requested over a quarter of an hour ago and not finished run again. */
export function resumeDeletionsTask(db: IdentityDatabase, log: Logger): Task {
  return jobTask(TASKS.resumeDeletions, log, async () => {
    const now = Date.now();
    for (const d of await resumeUnfinishedDeletions(db, new Date(now - 15 * 60_000))) {
      const entry = { userId: d.userId, requestedAt: d.requestedAt.toISOString(), remaining: d.remaining, lastError: d.lastError?.slice(0, 300) ?? null };
      if (now - d.requestedAt.getTime() > LATE_MS) log.error(entry, "an account deletion is still not finished after a day; it runs again");
      else log.warn(entry, "an unfinished account deletion runs again");
    }
  });
}

/** For the operator's CLI (`pnpm admin resume-deletions`): every unfinished deletion, queued again, on the database at `url`. */
export async function resumeDeletionsOn(url: string): Promise<UnfinishedDeletion[]> {
  const sql = connect(url, { max: 1, applicationName: "localex-admin" });
  try {
    return await resumeUnfinishedDeletions(database(sql, schema), new Date());
  } finally {
    await sql.end({ timeout: 5 });
  }
}
