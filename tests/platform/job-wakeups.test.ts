// A new job wakes the runners of its own task, not every runner of every subgraph: graphile-worker
// announces every job on one channel, and each announcement cost one ask to PostgreSQL per runner
// (seven for a transfer's notification). Our trigger announces a due job on its task's channel
// (jobChannel), and startJobWorker's runners listen on their own tasks' channels only.
import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { afterAll, describe, expect, inject, it } from "vitest";
import { jobChannel, startJobWorker, type Logger } from "@localex/common";
import { eventually } from "../harness/eventually.ts";

const sql = postgres(inject("databaseUrl"), { max: 2, onnotice: () => {} });
afterAll(() => sql.end());

const addJob = (task: string, runAt: Date | null = null) =>
  sql`select graphile_worker.add_job(${task}, '{}'::json, run_at => ${runAt?.toISOString() ?? null}::timestamptz, job_key => ${`wakeups:${randomUUID()}`})`;

const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet } as unknown as Logger;

describe("a new job", () => {
  it("is announced on its own task's channel only, and only once it is due", async () => {
    const mine = `test:wake-${randomUUID().slice(0, 8)}`;
    const other = `test:wake-${randomUUID().slice(0, 8)}`;
    const heard: string[] = [];
    const listeners = await Promise.all([mine, other].map((task) => sql.listen(jobChannel(task), (payload) => heard.push(`${task} ${payload}`))));
    try {
      await addJob(mine, new Date(Date.now() + 3_600_000)); // due in an hour: polling finds it then
      await addJob(mine);
      // The positive control, on the same path: the due job of `mine` is heard, with its count.
      await eventually(
        "the due job announced",
        async () => heard,
        (h) => h.length > 0,
      );
      // Anything heard by now was sent before the due job's announcement arrived (one connection, in order).
      expect(heard).toEqual([`${mine} {"count" : 1}`]);
    } finally {
      await Promise.all(listeners.map((l) => l.unlisten()));
      await sql`delete from graphile_worker._private_jobs where task_id in (select id from graphile_worker._private_tasks where identifier in (${mine}, ${other}))`;
    }
  });

  it("is run at once by a runner of its task that polls only once a minute", async () => {
    const task = `test:wake-${randomUUID().slice(0, 8)}`;
    const ran: string[] = [];
    const stop = await startJobWorker({
      url: inject("databaseUrl"),
      log: quiet,
      concurrency: 1,
      pollIntervalMs: 60_000,
      tasks: { [task]: async () => void ran.push(task) },
    });
    try {
      // A first job, found by the runner's first look or by its announcement: after it, the worker
      // asks once more, finds nothing, and would next look in a minute.
      await addJob(task);
      await eventually(
        "the first job run",
        async () => ran,
        (r) => r.length === 1,
        20_000,
      );
      const [listening] = await eventually(
        "the runner listening on its task's channel",
        async () => sql<{ query: string }[]>`select query from pg_stat_activity where query like ${`%LISTEN "${jobChannel(task)}"%`}`,
        (rows) => rows.length > 0,
      );
      // …and not on graphile-worker's channel, where every job of every subgraph is announced.
      expect(listening!.query).not.toMatch(/LISTEN "jobs:insert";/);
      // Only the announcement can wake it for this one within the wait.
      await addJob(task);
      await eventually(
        "the second job run",
        async () => ran,
        (r) => r.length === 2,
        20_000,
      );
    } finally {
      await stop();
    }
  });
});
