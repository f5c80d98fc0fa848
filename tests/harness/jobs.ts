// The job queue as a test sees it, scoped to the test's own data: other test files run their
// jobs in the same graph at the same time, so the queue as a whole is never a test's to count.
import type postgres from "postgres";
import { eventually } from "./eventually.ts";

/** Jobs whose payload names this member (`userId`), of `task` or of any, still waiting or running (dead ones not counted). */
export async function pendingJobsFor(db: postgres.Sql, userId: string, task: string | null = null): Promise<number> {
  const [row] = await db<{ n: number }[]>`
    select count(*)::int as n
    from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
    where j.payload->>'userId' = ${userId} and (${task}::text is null or t.identifier = ${task}::text) and j.attempts < j.max_attempts`;
  return row?.n ?? 0;
}

/**
 * Waits until no job for this member (of `task`, or of any task) is waiting or running. Then
 * whatever such a job would do is done, so an absence can be asserted without guessing how long
 * it could take. A job that mails or notifies a member is enqueued in the transaction of the work
 * before it (the grant posts the credits and enqueues the notification; recording the
 * notification enqueues its email), so with none of any task left, the member's mail has arrived.
 */
export async function untilNoJobFor(db: postgres.Sql, userId: string, task: string | null = null, timeoutMs = 30_000): Promise<void> {
  await eventually(
    `jobs (${task ?? "any task"}) pending for ${userId}`,
    () => pendingJobsFor(db, userId, task),
    (n) => n === 0,
    timeoutMs,
  );
}
