import { sql } from "drizzle-orm";
import { startJobWorker, type Logger } from "@localex/common";
import type { ListingsDatabase } from "../db/schema.ts";
import type { RecallsService } from "./recalls.service.ts";

/** listings' own job on the shared queue: only listings enqueues and runs it. */
export const REFRESH_RECALLS_TASK = "listings:refresh-recalls";
const JOB_KEY = "listings-refresh-recalls";
/** A failed refresh is retried twice with graphile-worker's backoff (about 2 s, then 7 s) before the next scheduled one. */
const MAX_ATTEMPTS = 3;

/**
 * graphile-worker's crontab for every `minutes` (RECALLS_REFRESH_MINUTES, which config.ts holds
 * to minutes dividing an hour or whole hours dividing a day). With several replicas the crontab
 * still runs one job per tick, and the job key collapses it with a start-up refresh.
 */
export function refreshCrontab(minutes: number): string {
  const schedule =
    minutes < 60 ? `*/${minutes} * * * *` : minutes >= 1440 ? "0 0 * * *" : `0 */${minutes / 60} * * *`;
  return `${schedule} ${REFRESH_RECALLS_TASK} ?max=${MAX_ATTEMPTS}&jobKey=${JOB_KEY}`;
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
      [REFRESH_RECALLS_TASK]: async () => {
        const result = await options.recalls.refresh();
        if (!result.ok) throw new Error(`recall refresh failed: ${result.error}`);
      },
    },
  });
  await options.db.execute(sql`select graphile_worker.add_job(
    identifier => ${REFRESH_RECALLS_TASK}, payload => '{}'::json, max_attempts => ${MAX_ATTEMPTS}, job_key => ${JOB_KEY})`);
  return stop;
}
