// Processing jobs as their owner follows them: retried with backoff after a fault, FAILED after
// the last attempt, run again with retryJob; and nobody else can see them.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { registerUser, wsClient, type TestUser } from "../harness/client.ts";
import { Subscription } from "../harness/subscription.ts";
import { flat } from "./image-fixtures.ts";
import { createUpload, JOB, putBytes, untilJobEnds, uploadDirect, COMPLETE_UPLOAD, type MediaPayloadData } from "./helpers.ts";
import { readFile } from "node:fs/promises";

let dir: string;
const db = postgres(inject("databaseUrl"), { max: 2, onnotice: () => {} });
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "localex-jobs-test-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await db.end();
});

const RETRY = `mutation ($id: ID!) { retryJob(id: $id) { job { id status attempts error retryable } errors { code message field } } }`;
type Retried = { retryJob: { job: { id: string; status: string } | null; errors: { code: string; message: string; field: string | null }[] } };

async function jobOf(user: TestUser, id: string) {
  return (await user.client.data<{ job: { status: string; attempts: number; error: string | null; retryable: boolean } | null }>(JOB, { id })).job;
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A fault in storing the result (a trigger refuses the media's READY update while the media is
 * marked): what a full disk or a lost database looks like to the job, and nothing the file did.
 */
async function breakFinishing(mediaId: string): Promise<() => Promise<void>> {
  await db.unsafe(`
    create schema if not exists media_faults;
    create table if not exists media_faults.broken (media_id uuid primary key);
    create or replace function media_faults.refuse_ready() returns trigger language plpgsql as $$
    begin
      if new.status = 'READY' and exists (select 1 from media_faults.broken where media_id = new.id) then
        raise exception 'injected fault: storage unavailable';
      end if;
      return new;
    end $$;
    drop trigger if exists media_faults_refuse_ready on media.media;
    create trigger media_faults_refuse_ready before update on media.media for each row execute function media_faults.refuse_ready();`);
  await db`insert into media_faults.broken values (${mediaId}) on conflict do nothing`;
  return async () => void (await db`delete from media_faults.broken where media_id = ${mediaId}`);
}

describe("processing jobs", () => {
  it("retries a fault with backoff, is DEAD after its last attempt, and runs again on retryJob", async () => {
    const ann = await registerUser();
    const path = await flat(dir, "retry.png", 640, 480, "png");
    const presigned = (await createUpload(ann, path, { contentType: "image/png" })).upload!;
    expect((await putBytes(presigned, await readFile(path))).status).toBeLessThan(300);
    const repair = await breakFinishing(presigned.media.id);
    const { completeUpload } = await ann.client.data<{ completeUpload: MediaPayloadData }>(COMPLETE_UPLOAD, { id: presigned.media.id });
    const jobId = completeUpload.media!.job!.id;

    const retrying = await until(
      () => jobOf(ann, jobId),
      (j) => j?.status === "RETRYING",
      "the first failure",
    );
    expect(retrying).toMatchObject({ attempts: 1, retryable: true, error: expect.stringMatching(/on our side \(attempt 1 of 5\); it will be retried/) });
    expect(retrying!.error).not.toMatch(/update|injected|media\./); // no internals in what the member reads
    // Time passes: the backoff is over, and this job's last attempt is the next one.
    await db`update graphile_worker._private_jobs set max_attempts = 2, run_at = now() where key = ${`media-process:${jobId}`}`;
    const failed = await until(
      () => jobOf(ann, jobId),
      (j) => j?.status === "DEAD",
      "the last attempt",
    );
    expect(failed).toMatchObject({ attempts: 2, retryable: true, error: expect.stringMatching(/attempt 2 of 2\); retryJob runs it again/) });
    const { job } = await ann.client.data<{ job: { media: { status: string; error: string } } }>(JOB, { id: jobId });
    expect(job.media).toMatchObject({ status: "FAILED", error: failed!.error });

    // Admins see it among the dead; members cannot list jobs.
    const admin = await (await import("../harness/client.ts")).signInAdmin();
    const { jobs } = await admin.data<{ jobs: { edges: { node: { id: string; status: string } }[] } }>(
      `{ jobs(status: DEAD, first: 100) { edges { node { id status } } } }`,
    );
    expect(jobs.edges.map((e) => e.node)).toContainEqual({ id: jobId, status: "DEAD" });
    const listing = await ann.client.request(`{ jobs(status: DEAD) { totalCount } }`);
    expect(listing.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN" });

    await repair();
    // Someone else's job is not found for them, and stays DEAD.
    const bob = await registerUser();
    const { retryJob: hidden } = await bob.client.data<Retried>(RETRY, { id: jobId });
    expect(hidden).toEqual({ job: null, errors: [expect.objectContaining({ code: "NOT_FOUND", field: "id" })] });
    expect((await jobOf(ann, jobId))?.status).toBe("DEAD");
    const { retryJob } = await ann.client.data<Retried>(RETRY, { id: jobId });
    expect(retryJob).toMatchObject({ job: { id: jobId, status: "QUEUED" }, errors: [] });
    const done = await untilJobEnds(ann, jobId);
    expect(done).toMatchObject({ status: "SUCCEEDED", media: { status: "READY", width: 640 } });
    const { retryJob: again } = await ann.client.data<Retried>(RETRY, { id: jobId });
    expect(again).toEqual({ job: null, errors: [{ code: "CONFLICT", field: "id", message: expect.stringMatching(/only a DEAD job/) }] });
  });

  it("delivers each jobUpdated with its media as it is then, from a retry to the success", async () => {
    const ann = await registerUser();
    const path = await flat(dir, "live.png", 320, 240, "png");
    const presigned = (await createUpload(ann, path, { contentType: "image/png" })).upload!;
    expect((await putBytes(presigned, await readFile(path))).status).toBeLessThan(300);
    const repair = await breakFinishing(presigned.media.id);
    const { completeUpload } = await ann.client.data<{ completeUpload: MediaPayloadData }>(COMPLETE_UPLOAD, { id: presigned.media.id });
    const jobId = completeUpload.media!.job!.id;
    await until(
      () => jobOf(ann, jobId),
      (j) => j?.status === "RETRYING",
      "the first failure",
    );

    const socket = wsClient(ann.accessToken);
    type Live = { jobUpdated: { status: string; media: { id: string; status: string } | null } };
    try {
      const live = new Subscription<Live>(socket, `subscription ($id: ID!) { jobUpdated(id: $id) { status media { id status } } }`, { id: jobId });
      // The current state, media included, read through the same path as the updates below.
      const current = await live.until(() => true, "the job's current state");
      expect(current.data!.jobUpdated.media).toMatchObject({ id: presigned.media.id });
      expect(current.data!.jobUpdated.media!.status).not.toBe("READY");
      await repair();
      await db`update graphile_worker._private_jobs set run_at = now() where key = ${`media-process:${jobId}`}`;
      const done = await live.until((r) => r.data?.jobUpdated.status === "SUCCEEDED", "the job's success", 60_000);
      // The update delivers the media as it is now, as a query does.
      expect(done.data!.jobUpdated.media).toEqual({ id: presigned.media.id, status: "READY" });
      const { job } = await ann.client.data<{ job: { media: { status: string } } }>(JOB, { id: jobId });
      expect(job.media.status).toBe("READY");
      live.dispose();
    } finally {
      await socket.dispose();
    }
  });

  it("refuses to retry a job whose file was refused", async () => {
    const ann = await registerUser();
    const { truncatedJpeg } = await import("./image-fixtures.ts");
    const result = await uploadDirect(ann, await truncatedJpeg(dir));
    const job = await untilJobEnds(ann, result.media!.job!.id);
    expect(job).toMatchObject({ status: "FAILED", retryable: false });
    const { retryJob } = await ann.client.data<Retried>(RETRY, { id: job.id });
    expect(retryJob).toEqual({ job: null, errors: [{ code: "CONFLICT", field: "id", message: expect.stringMatching(/cannot succeed/) }] });
    expect((await jobOf(ann, job.id))?.status).toBe("FAILED");
  });
});

describe("who sees a job", () => {
  it("answers job and jobUpdated to the job's owner only", async () => {
    const ann = await registerUser();
    const bob = await registerUser();
    const result = await uploadDirect(ann, await flat(dir, "mine.png", 200, 200, "png"), { contentType: "image/png" });
    const jobId = result.media!.job!.id;
    await untilJobEnds(ann, jobId);

    expect(await jobOf(bob, jobId)).toBeNull();
    const { retryJob } = await bob.client.data<Retried>(RETRY, { id: jobId });
    expect(retryJob).toEqual({ job: null, errors: [expect.objectContaining({ code: "NOT_FOUND", field: "id" })] });

    const [annWs, bobWs, anonymousWs] = [wsClient(ann.accessToken), wsClient(bob.accessToken), wsClient()];
    try {
      const query = `subscription ($id: ID!) { jobUpdated(id: $id) { id status } }`;
      const owner = new Subscription<{ jobUpdated: { status: string } }>(annWs, query, { id: jobId });
      expect((await owner.until(() => true, "the job's current state")).data).toEqual({ jobUpdated: { id: jobId, status: "SUCCEEDED" } });
      owner.dispose();
      const stranger = new Subscription(bobWs, query, { id: jobId });
      await stranger.end();
      expect(stranger.results).toEqual([{ errors: [expect.objectContaining({ extensions: { code: "NOT_FOUND" } })] }]);
      const anonymous = new Subscription(anonymousWs, query, { id: jobId });
      await anonymous.end();
      expect(anonymous.results).toEqual([{ errors: [expect.objectContaining({ extensions: { code: "UNAUTHENTICATED" } })] }]);
    } finally {
      await Promise.all([annWs.dispose(), bobWs.dispose(), anonymousWs.dispose()]);
    }
  });
});
