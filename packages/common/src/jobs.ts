import { setTimeout as sleep } from "node:timers/promises";
import { sql as drizzleSql } from "drizzle-orm";
import type { PgDatabase } from "drizzle-orm/pg-core";
import type { PostgresJsQueryResultHKT } from "drizzle-orm/postgres-js";
import { Logger as WorkerLogger, run, runMigrations, type JobHelpers, type Runner, type Task, type TaskList } from "graphile-worker";
import pg from "pg";
import postgres from "postgres";
import { z } from "zod";
import { JOB_PAYLOADS, JOB_POLICIES, type JobPayload, type JobPayloadInput, type JobPolicy, type TaskName } from "./contracts.ts";
import type { Logger } from "./logger.ts";
import { currentRequestId, requestScope } from "./request-id.ts";
import { retry } from "./retry.ts";
import { isShuttingDown } from "./shutdown.ts";
import { countJobsOf } from "./telemetry/metrics.ts";
import { currentTraceHeaders, inSpanFrom } from "./telemetry/spans.ts";

/**
 * The durable job queue: graphile-worker on PostgreSQL (schema `graphile_worker`). A job is
 * enqueued with SQL inside the same transaction as the change it follows, so a committed
 * change always has its job and a rolled-back one never does. Failed jobs are retried with
 * exponential backoff; a job that exhausts `max_attempts` stays in the queue with its last
 * error (the dead letters), visible in `graphile_worker.jobs`.
 */
export type { JobHelpers, Task, TaskList };

declare global {
  namespace GraphileConfig {
    interface WorkerOptions {
      /** The channels whose notifications wake this runner (patches/graphile-worker@0.18.0.patch; jobChannel below). */
      localexInsertChannels?: string[];
    }
  }
}

export interface EnqueueOptions {
  /** Replaces a pending job with the same key (deduplication, e.g. one reindex per listing). */
  jobKey?: string;
  /**
   * With a jobKey: "replace" (the default) moves the pending job to this payload and runAt;
   * "preserve_run_at" keeps the pending job's time (a window that starts at the first event).
   */
  jobKeyMode?: "replace" | "preserve_run_at";
  maxAttempts?: number;
  runAt?: Date;
  queueName?: string;
}

/**
 * Where a job came from, stored beside its payload (`$origin`, not part of any task's contract):
 * the request that enqueued it, so its log lines carry that `requestId`, and its trace context,
 * so its span joins that request's trace. Tasks never see it (payloads are parsed to their schema).
 */
const ORIGIN = "$origin";
const originSchema = z.object({ requestId: z.string().max(128).optional(), trace: z.record(z.string(), z.string()).optional() });

/** How long a stopping worker waits for its running jobs before it hands them back to the queue, at most. */
const JOB_SHUTDOWN_MS = 10_000;

/**
 * The stop grace of a process's job workers: 10 s, or 40 % of SHUTDOWN_TIMEOUT_SECONDS when that
 * is shorter, so a job that does not finish is handed back before the process is made to exit
 * (a job still locked when it exits waits out graphile-worker's 4 hours).
 */
export const jobStopGraceMs = (shutdownTimeoutSeconds: number): number => Math.min(JOB_SHUTDOWN_MS, shutdownTimeoutSeconds * 400);

/** A job still running when its worker stops: failed with this, so it goes back to the queue (and runs again after the usual backoff). */
class WorkerStopping extends Error {
  constructor() {
    super("The worker stopped before the job finished; it goes back to the queue.");
  }
}

/** `work`, or WorkerStopping as soon as graphile-worker signals that the worker is stopping and will not wait longer. */
function unlessStopped(signal: AbortSignal | undefined, work: Promise<void>): Promise<void> {
  if (!signal) return work;
  return new Promise<void>((resolve, reject) => {
    const stop = () => reject(new WorkerStopping());
    if (signal.aborted) return stop();
    signal.addEventListener("abort", stop, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", stop));
  });
}

/** Anything drizzle can execute SQL on: the database or a transaction. */
export type SqlExecutor = Pick<PgDatabase<PostgresJsQueryResultHKT>, "execute">;

/**
 * Adds a job. With a `jobKey`, add_job replaces a pending job of that key; but when a worker
 * locks that job between add_job's two statements, add_job records nothing and returns no
 * row. A second call sees the job locked, detaches its key and inserts, so we retry.
 */
export async function enqueueJob<T extends TaskName>(executor: SqlExecutor, task: T, payload: JobPayloadInput<T>, options: EnqueueOptions = {}): Promise<void> {
  const checked = JOB_PAYLOADS[task].safeParse(payload);
  if (!checked.success) throw new Error(`A ${task} job's payload is not what the task takes: ${z.prettifyError(checked.error)}`);
  const policy = JOB_POLICIES[task] as JobPolicy<T> | undefined;
  const queueName = options.queueName ?? policy?.queueName?.(checked.data as JobPayload<T>) ?? null;
  const maxAttempts = options.maxAttempts ?? policy?.maxAttempts ?? 25;
  const requestId = currentRequestId();
  const trace = currentTraceHeaders();
  const stored = { ...checked.data, [ORIGIN]: { ...(requestId ? { requestId } : {}), ...(Object.keys(trace).length ? { trace } : {}) } };
  await retry(
    async () => {
      const [added] = await executor.execute<{ id: string | null }>(drizzleSql`select (graphile_worker.add_job(
        identifier => ${task},
        payload => ${JSON.stringify(stored)}::json,
        queue_name => ${queueName},
        run_at => ${options.runAt?.toISOString() ?? null}::timestamptz,
        max_attempts => ${maxAttempts},
        priority => ${policy?.priority ?? 0},
        job_key => ${options.jobKey ?? null},
        job_key_mode => ${options.jobKeyMode ?? "replace"}
      )).id::text as id`);
      if (added?.id == null) throw new JobKeyLocked(`Could not enqueue ${task}${options.jobKey ? ` (${options.jobKey})` : ""}.`);
    },
    { attempts: 3, minDelayMs: 1, maxDelayMs: 5, retryOn: (e) => e instanceof JobKeyLocked },
  );
}

class JobKeyLocked extends Error {}

/**
 * A task's handler, given its payload checked against JOB_PAYLOADS; a payload that fails the
 * check can never succeed, so it is logged and dropped instead of retried.
 */
export function jobTask<T extends TaskName>(task: T, log: Logger, handler: (payload: JobPayload<T>, helpers: JobHelpers) => Promise<void>): Task {
  return async (payload, helpers) => {
    const origin = originSchema.safeParse((payload as Record<string, unknown> | null)?.[ORIGIN]).data ?? {};
    const run = async () => {
      const checked = JOB_PAYLOADS[task].safeParse(payload);
      if (!checked.success) {
        log.error({ task, problem: z.prettifyError(checked.error) }, "dropped a job whose payload is malformed");
        return;
      }
      await unlessStopped(helpers.abortSignal, handler(checked.data as JobPayload<T>, helpers));
    };
    const attributes = {
      "messaging.system": "graphile_worker",
      "messaging.operation.name": "process",
      "messaging.destination.name": task,
      ...(helpers.job ? { "messaging.message.id": helpers.job.id } : {}),
    };
    const traced = () => inSpanFrom(`process ${task}`, origin.trace, attributes, run);
    // Its log lines carry the id of the request that started it.
    await (origin.requestId ? requestScope.run({ requestId: origin.requestId }, traced) : traced());
  };
}

/**
 * The channel on which a new job of `task` is announced. graphile-worker announces every job on
 * one channel (jobs:insert), so each job woke every runner of every subgraph, and each asked
 * PostgreSQL for it: seven asks for the one a transfer's notification needs (bench:ledger). Our
 * trigger (ANNOUNCE_DUE_JOBS) announces a job on its task's channel, and a runner listens only on
 * its own tasks' (patches/graphile-worker@0.18.0.patch). Jobs due later are found by polling, as before.
 */
export function jobChannel(task: string): string {
  const channel = `jobs:insert:${task}`;
  // PostgreSQL refuses a longer channel name in pg_notify (and truncates it in LISTEN).
  if (Buffer.byteLength(channel) > 63) throw new Error(`The task name ${task} is too long for its job channel (63 bytes at most): ${channel}`);
  return channel;
}

const ANNOUNCE_DUE_JOBS = `
  create schema if not exists localex_jobs;
  create or replace function localex_jobs.announce_due_jobs() returns trigger language plpgsql as $$
  declare due record;
  begin
    for due in
      select tasks.identifier, count(*) as n
      from new_jobs join graphile_worker._private_tasks as tasks on tasks.id = new_jobs.task_id
      where new_jobs.run_at <= now()
      group by tasks.identifier
    loop
      perform pg_notify('jobs:insert:' || due.identifier, json_build_object('count', due.n)::text);
    end loop;
    return null;
  end $$;
  create or replace trigger localex_announce_due_jobs after insert on graphile_worker._private_jobs
    referencing new table as new_jobs for each statement execute function localex_jobs.announce_due_jobs();`;

/** Installs or upgrades the queue's schema and our trigger announcing its jobs, serialised with our own migrations. */
export async function prepareJobQueue(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`select pg_advisory_lock(hashtext('localex:migrate'))`;
    await runMigrations({ connectionString: url, logger: quietLogger() });
    await sql.unsafe(ANNOUNCE_DUE_JOBS);
    await sql`select pg_advisory_unlock(hashtext('localex:migrate'))`;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** graphile-worker's log lines, without the whole job row and error (a failed statement's SQL and parameters) in each. */
function quietLogger(log?: Logger): WorkerLogger {
  return new WorkerLogger((scope) => (level, message, meta) => {
    if (!log) return;
    const job = (meta as { job?: { id?: unknown; task_identifier?: unknown; attempts?: unknown; max_attempts?: unknown } } | undefined)?.job;
    const entry = {
      ...scope,
      ...(job ? { job: { id: job.id, task: job.task_identifier, attempts: job.attempts, maxAttempts: job.max_attempts } } : meta),
    };
    message = message.length > 500 ? `${message.slice(0, 500)}…` : message;
    if (level === "error" && !isShuttingDown()) log.error(entry, message);
    else if (level === "warning") log.warn(entry, message);
    else log.debug(entry, message);
  });
}

interface WorkerOptions {
  url: string;
  tasks: TaskList;
  log: Logger;
  concurrency?: number;
  pollIntervalMs?: number;
  /** Recurring jobs, in graphile-worker's crontab format (`m h dom mon dow task`). */
  crontab?: string;
  /** How long stopping waits for running jobs before handing them back (jobStopGraceMs); unset: 10 s. */
  stopGraceMs?: number;
}

/**
 * Runs the given tasks until stopped. Only jobs whose task name is in `tasks` are taken,
 * so each subgraph runs its own worker over the shared queue. A task with a lane in
 * JOB_POLICIES runs on a worker of its own, with that lane's concurrency: the slots of
 * `concurrency` are never held by it.
 */
export async function startJobWorker(options: WorkerOptions): Promise<() => Promise<void>> {
  const lanes = new Map<string, { tasks: TaskList; concurrency: number }>();
  const main: TaskList = {};
  for (const [name, task] of Object.entries(options.tasks)) {
    const lane = (JOB_POLICIES as Partial<Record<string, JobPolicy<TaskName>>>)[name]?.lane;
    if (!lane) main[name] = task;
    else lanes.set(lane.name, { tasks: { ...lanes.get(lane.name)?.tasks, [name]: task }, concurrency: lane.concurrency });
  }
  const stops: (() => Promise<void>)[] = [];
  try {
    if (Object.keys(main).length > 0) stops.push(await startRunner({ ...options, tasks: main }));
    for (const [name, lane] of lanes) {
      stops.push(
        await startRunner({
          url: options.url,
          log: options.log.child({ lane: name }),
          tasks: lane.tasks,
          concurrency: lane.concurrency,
          pollIntervalMs: options.pollIntervalMs,
          stopGraceMs: options.stopGraceMs,
        }),
      );
    }
  } catch (e) {
    await Promise.allSettled(stops.map((stop) => stop()));
    throw e;
  }
  const stopCounting = countJobsOf(options.url, Object.keys(options.tasks));
  return async () => {
    stopCounting();
    const stopped = await Promise.allSettled(stops.map((stop) => stop()));
    const failed = stopped.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failed) throw failed.reason;
  };
}

/** One graphile-worker runner over its own pool, started again when it stops unexpectedly. */
async function startRunner(options: WorkerOptions): Promise<() => Promise<void>> {
  // Our own pool, so a connection the server ends while idle (a restart, a stopping embedded
  // database) is logged, not an unhandled 'error' event that takes the process down; and so
  // stopping waits until every connection is closed.
  const pgPool = new pg.Pool({ connectionString: options.url, max: (options.concurrency ?? 4) + 2 });
  const connectionFailed = (err: Error) => (isShuttingDown() ? undefined : options.log.warn({ err }, "a job-queue connection failed; it is replaced"));
  pgPool.on("error", connectionFailed);
  pgPool.on("connect", (client) => client.on("error", connectionFailed));
  const start = (): Promise<Runner> =>
    run({
      pgPool,
      taskList: options.tasks,
      crontab: options.crontab,
      concurrency: options.concurrency ?? 4,
      // The pool above: one connection per running job, one for LISTEN, one spare (small, so
      // many subgraphs fit under PostgreSQL's max_connections).
      pollInterval: options.pollIntervalMs ?? 1000,
      noHandleSignals: true,
      // Stopping lets running jobs finish for this long, then fails them back to the queue (unlessStopped).
      gracefulShutdownAbortTimeout: options.stopGraceMs ?? JOB_SHUTDOWN_MS,
      // Each job's outcome is written through a batcher (0 ms: at once) that a stopping worker
      // flushes; unbatched, the last outcomes are sent without being waited for, and a job that
      // ended as the process stopped stayed locked (for graphile-worker's 4 hours).
      // localexInsertChannels: woken only by this runner's own tasks' new jobs (jobChannel).
      preset: { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0, localexInsertChannels: Object.keys(options.tasks).map(jobChannel) } },
      logger: quietLogger(options.log),
    });
  // graphile-worker stops for good when its pool fails (the server refusing connections for a
  // moment: a restart, max_connections reached): started again, with backoff, until we stop it.
  let stopping = false;
  let runner = await start();
  let runnerEnded = false;
  const keepRunning = async (current: Runner): Promise<void> => {
    let err: unknown = await current.promise.then(
      () => new Error("the worker stopped"),
      (e: unknown) => e,
    );
    runnerEnded = true;
    for (let attempt = 0; !stopping; attempt++) {
      const delayMs = Math.min(30_000, 1_000 * 2 ** attempt);
      options.log.error({ err, delayMs }, "the job worker stopped unexpectedly; starting it again");
      await sleep(delayMs, undefined, { ref: false });
      if (stopping) return;
      try {
        runner = await start();
      } catch (e) {
        err = e;
        continue;
      }
      runnerEnded = false;
      if (stopping) return void (await runner.stop());
      return keepRunning(runner);
    }
  };
  void keepRunning(runner);
  return async () => {
    stopping = true;
    try {
      if (!runnerEnded) await runner.stop();
    } finally {
      await pgPool.end();
    }
  };
}
