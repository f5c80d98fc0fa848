// Job payloads are checked against one map (JOB_PAYLOADS) when enqueued and when run.
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { afterAll, describe, expect, inject, it, vi } from "vitest";
import { enqueueJob, jobTask, TASKS, type JobHelpers, type Logger } from "@localex/common";

const sql = postgres(inject("databaseUrl"), { max: 1, onnotice: () => {} });
const db = drizzle(sql);
afterAll(() => sql.end());

describe("job payloads", () => {
  it("refuses to enqueue a payload its task does not take, enqueuing nothing", async () => {
    const before = await sql`select count(*)::int as n from graphile_worker._private_jobs`;
    await expect(enqueueJob(db, TASKS.expireTrade, { tradeId: "not-a-uuid" })).rejects.toThrow(/trades:expire-trade.*tradeId/s);
    expect(await sql`select count(*)::int as n from graphile_worker._private_jobs`).toEqual(before);
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
