// identity's two jobs for listings (issue 23), enqueued as identity's resolveReport, suspendMember
// and reinstateMember do, for tests on a branch without identity's side; each waits until its job ran.
import { randomUUID } from "node:crypto";
import { drizzle } from "drizzle-orm/postgres-js";
import { enqueueJob, TASKS, type JobPayloadInput } from "@localex/common";
import { eventually } from "../harness/eventually.ts";
import { database } from "./helpers.ts";

const db = () => drizzle(database());

/** Enqueues a job exactly as identity does (its transaction is a plain insert here). */
async function enqueueAsIdentity<T extends typeof TASKS.takeDownListing | typeof TASKS.memberSuspension>(task: T, payload: JobPayloadInput<T>) {
  await enqueueJob(db(), task, payload);
}

/** Waits until no job of `task` naming this listing or member is waiting or running: then what it does is done. */
async function untilDone(task: string, field: "listingId" | "userId", id: string): Promise<void> {
  await eventually(
    `${task} for ${id}`,
    async () => {
      const [row] = await database()<{ n: number }[]>`
        select count(*)::int as n from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
        where t.identifier = ${task} and j.payload->>${field} = ${id} and j.attempts < j.max_attempts`;
      return row?.n ?? 0;
    },
    (n) => n === 0,
  );
}

export async function takeDown(listingId: string, reason: string, reportId: string | null = randomUUID()): Promise<void> {
  await enqueueAsIdentity(TASKS.takeDownListing, { listingId, reason, reportId });
  await untilDone(TASKS.takeDownListing, "listingId", listingId);
}

export async function setSuspended(userId: string, suspended: boolean): Promise<void> {
  await enqueueAsIdentity(TASKS.memberSuspension, { userId, suspended });
  await untilDone(TASKS.memberSuspension, "userId", userId);
}
