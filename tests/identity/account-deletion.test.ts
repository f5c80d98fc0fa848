// Account deletion that always finishes (issue 20), through the gateway: from the moment a member
// asks to leave, nobody can start a trade with them (MEMBER_DEPARTING), so the deletion job never
// meets a trade it cannot close; an export written while the deletion runs goes with everything
// else; and a deletion whose job gave up is finished by the operator's command.
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { GatewayClient, registerUser, type TestUser } from "../harness/client.ts";
import { adminCli } from "../harness/admin-cli.ts";
import { eventually } from "../harness/eventually.ts";
import { flat } from "../media/image-fixtures.ts";
import { storedBlobsOf, untilJobEnds, uploadDirect } from "../media/helpers.ts";
import { accept, accountOf, asService, COUNTER, createListing, fundedUser, listingStatus, mutate, propose, proposed, tradeAs } from "../trades/helpers.ts";

const DELETE = `mutation ($password: String!) { deleteMyAccount(password: $password) { accepted activeTradeIds errors { code field } } }`;
const EXPORT = `mutation { requestDataExport { job { id status } errors { code field } } }`;
const ACCEPTED = { deleteMyAccount: { accepted: true, activeTradeIds: [], errors: [] } };
type Exported = { requestDataExport: { job: { id: string } | null; errors: { code: string; field: string | null }[] } };
const JOB = `query ($id: ID!) { job(id: $id) { id status downloadUrl } }`;
const LOGIN = `mutation ($input: LoginInput!) { login(input: $input) { user { id } } }`;
const USER = `query ($id: ID!) { user(id: $id) { id displayName deleted avatar { id } } }`;

const db = postgres(inject("databaseUrl"), { max: 3, onnotice: () => {} });
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "localex-deletion-"));
});
afterAll(async () => {
  await db.end();
  await rm(dir, { recursive: true, force: true });
});

/** A processed avatar of the member. */
async function avatar(member: TestUser): Promise<string> {
  const { media } = await uploadDirect(member, await flat(dir, `${randomUUID()}.png`, 320, 200, "png"), { purpose: "AVATAR", contentType: "image/png" });
  expect((await untilJobEnds(member, media!.job!.id)).status).toBe("SUCCEEDED");
  return media!.id;
}

async function deletionOf(userId: string) {
  const [row] = await db<{ steps: string[]; completed: boolean; error: string | null }[]>`
    select steps_done as steps, completed_at is not null as completed, last_error as error from identity.account_deletions where user_id = ${userId}`;
  return row ?? null;
}

/** Runs the deletion's next retry now instead of after its backoff. */
const retryNow = (userId: string) => db`update graphile_worker._private_jobs set run_at = now() where key = ${`account-deletion:${userId}`}`;

async function untilDeleted(userId: string): Promise<void> {
  await eventually(
    "the deletion to complete",
    () => deletionOf(userId),
    (d) => d?.completed === true,
    60_000,
  );
}

/** What is left of the member to see and sign in with, once deleted. */
async function expectGone(member: TestUser, onlooker: TestUser, listingId: string): Promise<void> {
  const login = await new GatewayClient().request(LOGIN, { input: { email: member.email, password: member.password } });
  expect(login.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  const { user } = await onlooker.client.data<{ user: unknown }>(USER, { id: member.id });
  expect(user).toEqual({ id: member.id, displayName: "Deleted member", deleted: true, avatar: null });
  expect(await listingStatus(onlooker, listingId)).toBe("ARCHIVED");
  const [left] = await db<{ media: number; jobs: number }[]>`
    select (select count(*)::int from media.media where owner_id = ${member.id}) as media,
           (select count(*)::int from media.jobs where owner_id = ${member.id}) as jobs`;
  expect(left).toEqual({ media: 0, jobs: 0 });
}

describe("a member who asked to leave", () => {
  it("can no longer be proposed to, countered or accepted with, and the deletion completes", async () => {
    const [ann, bob, carol, dave] = await Promise.all([fundedUser(), fundedUser(), fundedUser(), fundedUser()]);
    const listing = await createListing(ann, { creditPrice: 10 });
    await avatar(ann);
    // Ann's oldest open trade: held locked below, so the deletion job waits at its first step
    // (closing Ann's trades, oldest first) and the window after her request stays open.
    const oldest = await proposed(ann, { recipientId: dave.id, offeredCredits: 1 });
    const toBob = await proposed(ann, { recipientId: bob.id, offeredListingIds: [listing.id], requestedCredits: 10 });
    // Positive control: before Ann asks to leave, Carol's proposal to her goes through.
    const early = await propose(carol, { recipientId: ann.id, offeredCredits: 2 });
    expect(early.errors).toEqual([]);
    expect(early.trade!.status).toBe("PROPOSED");

    const held = await db.reserve();
    try {
      await held`begin`;
      await held`select id from trades.trades where id = ${oldest.id} for update`;
      expect(await ann.client.data(DELETE, { password: ann.password })).toEqual(ACCEPTED);

      // The window: Ann's trades are still open, and nobody can start anything with her.
      const late = await propose(carol, { recipientId: ann.id, offeredCredits: 2 });
      expect(late.errors).toEqual([expect.objectContaining({ code: "MEMBER_DEPARTING", field: "input.recipientId" })]);
      expect(late.trade).toBeNull();
      const countered = await mutate(bob, COUNTER, { id: toBob.id, input: { requestedCredits: 8 } });
      expect(countered.errors).toEqual([expect.objectContaining({ code: "MEMBER_DEPARTING", field: "id" })]);
      const accepted = await accept(bob, toBob.id);
      expect(accepted.errors).toEqual([expect.objectContaining({ code: "MEMBER_DEPARTING", field: "id" })]);
      expect(await tradeAs(bob, toBob.id)).toMatchObject({ status: "PROPOSED", requestedCredits: 10 });
      expect(await accountOf(bob)).toMatchObject({ balance: 100, held: 0 });
      await held`rollback`;
    } finally {
      held.release();
    }
    await retryNow(ann.id);
    await untilDeleted(ann.id);

    for (const id of [oldest.id, toBob.id]) expect((await tradeAs(bob, id)) ?? (await tradeAs(dave, id))).toMatchObject({ status: "CANCELLED" });
    expect(await tradeAs(carol, early.trade!.id)).toMatchObject({ status: "CANCELLED" });
    expect(await accountOf(bob)).toMatchObject({ balance: 100, held: 0 });
    await expectGone(ann, bob, listing.id);
    // And after it, still refused with the same code.
    const after = await propose(carol, { recipientId: ann.id, offeredCredits: 2 });
    expect(after.errors).toEqual([expect.objectContaining({ code: "MEMBER_DEPARTING", field: "input.recipientId" })]);
  }, 90_000);

  it("whose deletion was refused (credits in escrow) stays a member others can trade with", async () => {
    const [ann, bob, carol] = await Promise.all([fundedUser(), fundedUser(), fundedUser()]);
    const listing = await createListing(ann, { creditPrice: 10 });
    const trade = await proposed(bob, { recipientId: ann.id, requestedListingIds: [listing.id], offeredCredits: 10 });
    expect((await accept(ann, trade.id)).errors).toEqual([]);
    const refused = await ann.client.data(DELETE, { password: ann.password });
    expect(refused).toEqual({ deleteMyAccount: { accepted: false, activeTradeIds: [trade.id], errors: [{ code: "MEMBER_HAS_ACTIVE_TRADES", field: null }] } });
    const offer = await propose(carol, { recipientId: ann.id, offeredCredits: 3 });
    expect(offer.errors).toEqual([]);
    expect((await accept(ann, offer.trade!.id)).errors).toEqual([]);
  });
});

describe("a data export written while the member's account is deleted", () => {
  it("leaves no archive and no job; another member's export, written at the same moment, is kept", async () => {
    const [ann, bob] = await Promise.all([registerUser(), registerUser()]);
    const listing = await createListing(ann);
    const held = await db.reserve();
    let annJob: string;
    let bobJob: string;
    try {
      // Exports wait while this table (read for their identity section) is locked: Ann's export
      // is gathering when her files are deleted, and writes its archive after.
      await held`begin`;
      await held`lock table identity.verification_requests in access exclusive mode`;
      annJob = (await ann.client.data<Exported>(EXPORT)).requestDataExport.job!.id;
      await eventually(
        "Ann's export to start",
        async () => (await ann.client.data<{ job: { status: string } }>(JOB, { id: annJob })).job.status,
        (s) => s === "RUNNING",
      );
      expect(await ann.client.data(DELETE, { password: ann.password })).toEqual(ACCEPTED);
      bobJob = (await bob.client.data<Exported>(EXPORT)).requestDataExport.job!.id;
      await eventually(
        "the deletion to reach its files",
        () => deletionOf(ann.id),
        (d) => d?.steps.includes("forget-media") === true,
      );
      await held`rollback`;
    } finally {
      held.release();
    }

    // Bob's export is kept: its archive is there for him to download.
    const bobs = await untilJobEnds(bob, bobJob, 60_000);
    expect(bobs.status).toBe("SUCCEEDED");
    const { job } = await bob.client.data<{ job: { downloadUrl: string } }>(JOB, { id: bobJob });
    expect((await fetch(job.downloadUrl)).status).toBe(200);
    expect(await storedBlobsOf(bobJob)).toContainEqual(`private/exports/${bob.id}/${bobJob}.zip`);

    // Ann's export ran to its end (Bob's ran after it on media's one slot); nothing of it is left.
    await untilDeleted(ann.id);
    await eventually(
      "Ann's export job to end",
      async () => (await db`select 1 from graphile_worker._private_jobs where key = ${`data-export:${annJob}`}`).length,
      (n) => n === 0,
    );
    expect(await storedBlobsOf(annJob)).toEqual([]);
    const [left] = await db<{ jobs: number; notifications: number }[]>`
      select (select count(*)::int from media.jobs where id = ${annJob}) as jobs,
             (select count(*)::int from identity.notifications where user_id = ${ann.id}) as notifications`;
    expect(left).toEqual({ jobs: 0, notifications: 0 });
    await expectGone(ann, bob, listing.id);
  }, 90_000);

  it("left behind by a crash is removed by the orphan cleanup; an archive its job names stays", async () => {
    const bob = await registerUser();
    const kept = (await bob.client.data<Exported>(EXPORT)).requestDataExport.job!.id;
    expect((await untilJobEnds(bob, kept, 60_000)).status).toBe("SUCCEEDED");
    // A crash between writing an archive and recording (or discarding) it leaves one no job names.
    const exports = join(inject("dataDir"), "media", "private", "exports");
    const strayJob = randomUUID();
    const stray = join(exports, randomUUID(), `${strayJob}.zip`);
    await mkdir(dirname(stray), { recursive: true });
    await writeFile(stray, "an archive nobody may download");
    // Both an hour old and more: only the one no job names goes.
    const hoursAgo = new Date(Date.now() - 2 * 3_600_000);
    for (const path of [stray, join(exports, bob.id, `${kept}.zip`)]) await utimes(path, hoursAgo, hoursAgo);
    await asService("media", `mutation { runMediaCleanup { strayBlobs } }`);
    expect(await storedBlobsOf(strayJob)).toEqual([]);
    expect(await storedBlobsOf(kept)).toContainEqual(`private/exports/${bob.id}/${kept}.zip`);
    const { job } = await bob.client.data<{ job: { downloadUrl: string } }>(JOB, { id: kept });
    expect((await fetch(job.downloadUrl)).status).toBe(200);
  });
});

describe("a deletion whose job gave up", () => {
  it("is listed with what remains and finished by `pnpm admin resume-deletions`", async () => {
    const [ann, bob] = await Promise.all([fundedUser(), fundedUser()]);
    const listing = await createListing(ann, { creditPrice: 5 });
    await avatar(ann);
    const held = await db.reserve();
    try {
      // Ann's files stay locked, so the media step fails; then the job runs out of attempts (as
      // after its last retry) and gives up while they still are.
      await held`begin`;
      await held`select id from media.media where owner_id = ${ann.id} for update`;
      expect(await ann.client.data(DELETE, { password: ann.password })).toEqual(ACCEPTED);
      await eventually(
        "the media step to fail",
        () => deletionOf(ann.id),
        (d) => d?.error?.startsWith("forget-media") === true,
        60_000,
      );
      const key = `account-deletion:${ann.id}`;
      await db`update graphile_worker._private_jobs set attempts = max_attempts where key = ${key}`;
      const idle = async () => (await db<{ idle: boolean }[]>`select locked_at is null as idle from graphile_worker._private_jobs where key = ${key}`)[0]?.idle;
      await eventually("the job to give up", idle, (i) => i === true, 60_000);
      await held`rollback`;
    } finally {
      held.release();
    }
    expect((await deletionOf(ann.id))!.completed).toBe(false);

    const resumed = await adminCli("resume-deletions");
    expect(resumed.code, resumed.stderr).toBe(0);
    const line = resumed.stdout.split("\n").find((l) => l.includes(ann.id));
    expect(line).toContain("forget-media, close-account, anonymise-profile");
    await untilDeleted(ann.id);
    await expectGone(ann, bob, listing.id);
    // Nothing left to resume for her.
    expect((await adminCli("resume-deletions")).stdout).not.toContain(ann.id);
  }, 120_000);
});
