import { enqueueJob, jobTask, JOB_POLICIES, startJobWorker, TASKS, type Logger } from "@localex/common";
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

/**
 * Runs the refresh job on its schedule, and once right away (a job, so replicas starting together
 * fetch once). A failed fetch is logged by the service and the job fails, to be retried; the
 * recalls last fetched stay in use meanwhile.
 */
export async function startRecallRefresh(options: {
  db: ListingsDatabase;
  url: string;
  recalls: RecallsService;
  minutes: number;
  log: Logger;
}): Promise<() => Promise<void>> {
  const stop = await startJobWorker({
    url: options.url,
    log: options.log,
    concurrency: 1,
    crontab: refreshCrontab(options.minutes),
    tasks: {
      [TASKS.refreshRecalls]: jobTask(TASKS.refreshRecalls, options.log, async () => {
        const result = await options.recalls.refresh();
        if (!result.ok) throw new Error(`recall refresh failed: ${result.error}`);
      }),
    },
  });
  await enqueueJob(options.db, TASKS.refreshRecalls, {}, { jobKey: JOB_KEY });
  return stop;
}
