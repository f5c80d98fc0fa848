// Job payloads are checked against one map (JOB_PAYLOADS) when enqueued and when run.
import { randomUUID } from "node:crypto";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { afterAll, describe, expect, inject, it, vi } from "vitest";
import { enqueueJob, jobTask, TASKS, type JobHelpers, type Logger } from "@localex/common";

const sql = postgres(inject("databaseUrl"), { max: 1, onnotice: () => {} });
const db = drizzle(sql);
afterAll(() => sql.end());

describe("job payloads", () => {
  it("refuses to enqueue a payload its task does not take, enqueuing nothing", async () => {
    // Other tests' jobs come and go in the same queue meanwhile: only jobs carrying this test's
    // own tradeId are counted.
    const jobsFor = async (tradeId: string) => {
      const [row] = await sql<{ n: number }[]>`
        select count(*)::int as n from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
        where t.identifier = ${TASKS.expireTrade} and j.payload->>'tradeId' = ${tradeId}`;
      return row!.n;
    };
    const refused = `not-a-uuid-${randomUUID()}`;
    await expect(enqueueJob(db, TASKS.expireTrade, { tradeId: refused })).rejects.toThrow(/trades:expire-trade.*tradeId/s);
    expect(await jobsFor(refused)).toBe(0);
    // Control: the same call with a payload the task takes enqueues exactly one job that the
    // count finds (due in a year, so no worker takes it; removed by its key after).
    const accepted = randomUUID();
    const jobKey = `job-payloads-control:${accepted}`;
    await enqueueJob(db, TASKS.expireTrade, { tradeId: accepted }, { jobKey, runAt: new Date(Date.now() + 365 * 86_400_000) });
    try {
      expect(await jobsFor(accepted)).toBe(1);
    } finally {
      await sql`select graphile_worker.remove_job(${jobKey})`;
    }
    expect(await jobsFor(accepted)).toBe(0);
  });

  it("drops, with an error logged, a queued payload that is not what the task takes", async () => {
    const handled = vi.fn(async () => {});
    const logged = vi.fn();
    const log = { error: logged } as unknown as Logger;
    const task = jobTask(TASKS.processMedia, log, handled);
    await task({ jobId: 42 }, {} as JobHelpers);
    expect(handled).not.toHaveBeenCalled();
    expect(logged).toHaveBeenCalledWith(expect.objectContaining({ task: "media:process", problem: expect.stringMatching(/jobId/) }), expect.any(String));
    const id = "0b7c9a53-4c1e-4a32-9d2c-58b3c9a2e0f1";
    await task({ jobId: id }, {} as JobHelpers);
    expect(handled).toHaveBeenCalledWith({ jobId: id }, {});
  });
});
