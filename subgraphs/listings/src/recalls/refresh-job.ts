import { enqueueJob, jobTask, JOB_POLICIES, TASKS, type Logger, type TaskList } from "@localex/common";
import type { ListingsDatabase } from "../db/schema.ts";
import type { RecallsService } from "./recalls.service.ts";

/** One pending refresh at a time: the start-up one and the crontab's collapse into one job. */
const JOB_KEY = "listings-refresh-recalls";

/**
 * graphile-worker's crontab for every `minutes` (RECALLS_REFRESH_MINUTES, which config.ts holds
 * to minutes dividing an hour or whole hours dividing a day). With several replicas the crontab
 * still runs one job per tick, and the job key collapses it with a start-up refresh.
 */
export function refreshCrontab(minutes: number): string {
  const schedule = minutes < 60 ? `*/${minutes} * * * *` : minutes >= 1440 ? "0 0 * * *" : `0 */${minutes / 60} * * *`;
  // The crontab adds its jobs itself, so it is given the task's policy (contracts.ts) here.
  return `${schedule} ${TASKS.refreshRecalls} ?max=${JOB_POLICIES[TASKS.refreshRecalls]?.maxAttempts ?? 25}&jobKey=${JOB_KEY}`;
}

/** The refresh task: a failed fetch is logged by the service and the job fails, to be retried; the recalls last fetched stay in use meanwhile. */
export function recallRefreshTasks(recalls: RecallsService, log: Logger): TaskList {
  return {
    [TASKS.refreshRecalls]: jobTask(TASKS.refreshRecalls, log, async () => {
      const result = await recalls.refresh();
      if (!result.ok) throw new Error(`recall refresh failed: ${result.error}`);
    }),
  };
}

/** One refresh right away, as a job (so replicas starting together fetch once). */
export async function queueRecallRefresh(db: ListingsDatabase): Promise<void> {
  await enqueueJob(db, TASKS.refreshRecalls, {}, { jobKey: JOB_KEY });
}
