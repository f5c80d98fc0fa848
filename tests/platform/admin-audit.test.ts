// The admin audit log (issue 23; docs/audit.md): each admin act leaves exactly one entry, written
// in the act's transaction, with who, what and why; a refused act leaves none; only admins read
// it; and PostgreSQL itself refuses to change or remove an entry, as the role the graph runs as.
import { randomUUID } from "node:crypto";
import { recordAdminAct } from "@localex/common";
import postgres from "postgres";
import { describe, expect, inject, it } from "vitest";
import { adminCli } from "../harness/admin-cli.ts";
import { eventually } from "../harness/eventually.ts";
import { GatewayClient, registerUser } from "../harness/client.ts";
import { GRANT, type Granted } from "../ledger/helpers.ts";
import { createListing } from "../listings/helpers.ts";
import { accept, DISPUTE, mutate, swapTrade } from "../trades/helpers.ts";
import { anotherAdmin, AUDIT_LOG, auditEntries, graphDatabase, harnessAdmin, type AuditPage } from "./admin-audit-helpers.ts";

type Errors = { code: string; field: string | null }[];
const TAKE = `mutation ($id: ID!) { takeDispute(tradeId: $id) { dispute { id } errors { code field } } }`;
const RESOLVE = `mutation ($id: ID!, $reason: String) { resolveDispute(id: $id, outcome: COMPLETE, reason: $reason) { trade { id status } errors { code field } } }`;
const GRANT_ADMIN = `mutation ($id: ID!, $reason: String) { grantAdmin(userId: $id, reason: $reason) { user { id } errors { code field } } }`;
const REVOKE_ADMIN = `mutation ($id: ID!, $reason: String) { revokeAdmin(userId: $id, reason: $reason) { user { id } errors { code field } } }`;
const CLEAR = `mutation ($id: ID!, $n: String!, $reason: String) { clearRecallMatch(listingId: $id, recallNumber: $n, reason: $reason) { listing { id } errors { code field } } }`;
const EXPORT = `mutation { requestDataExport { job { id } errors { code } } }`;
const JOB = `query ($id: ID!) { job(id: $id) { id status } }`;
const RETRY = `mutation ($id: ID!) { retryJob(id: $id) { job { id status } errors { code field } } }`;

const grant = async (admin: GatewayClient, userId: string, amount: number, memo: string, key = randomUUID()) =>
  (await admin.data<Granted>(GRANT, { userId, amount, memo, key })).grantCredits;

describe("the admin audit log", () => {
  it("records a credit grant once, with who, what and why; a replay and refused grants record nothing", async () => {
    const admin = await harnessAdmin();
    const member = await registerUser();
    const key = randomUUID();
    const granted = await grant(admin.client, member.id, 25, "Refund for the broken kettle", key);
    expect(granted.errors).toEqual([]);
    // The same key again is a replay of the first grant, not a second act.
    expect((await grant(admin.client, member.id, 25, "Refund for the broken kettle", key)).transfer?.id).toBe(granted.transfer!.id);
    // Refused as data: nothing minted, nothing recorded.
    expect((await grant(admin.client, member.id, 0, "Nothing at all")).errors).toMatchObject([{ code: "INVALID_AMOUNT", field: "amount" }]);
    // Refused inside the grant's transaction (the key holds another request): rolled back with it.
    expect((await grant(admin.client, member.id, 26, "Refund for the broken kettle", key)).errors).toMatchObject([{ code: "IDEMPOTENCY_CONFLICT" }]);
    expect((await grant(admin.client, member.id, 5, "")).errors).toMatchObject([{ code: "INVALID_INPUT", field: "memo" }]);

    const entries = await auditEntries({ memberId: member.id });
    expect(entries).toEqual([
      expect.objectContaining({
        actor: "admin",
        action: "CREDITS_GRANTED",
        admin: { id: admin.id },
        subject: { kind: "TRANSFER", id: granted.transfer!.id },
        members: [{ id: member.id }],
        reason: "Refund for the broken kettle",
        details: { amount: 25 },
      }),
    ]);
    expect(Date.parse(entries[0]!.at)).toBeGreaterThan(Date.now() - 60_000);
  });

  it("records taking and resolving a dispute, concerning both parties; a take refused as taken records nothing", async () => {
    const swap = await swapTrade();
    const id = swap.trade.id;
    expect((await accept(swap.bob, id)).errors).toEqual([]);
    expect((await mutate(swap.ann, DISPUTE, { id, reason: "The bike has no brakes." })).errors).toEqual([]);
    const admin = await harnessAdmin();
    const other = await anotherAdmin();

    const taken = await admin.client.data<{ takeDispute: { errors: Errors } }>(TAKE, { id });
    expect(taken.takeDispute.errors).toEqual([]);
    const refused = await other.client.data<{ takeDispute: { errors: Errors } }>(TAKE, { id });
    expect(refused.takeDispute.errors).toMatchObject([{ code: "DISPUTE_TAKEN" }]);
    const blocked = await other.client.data<{ resolveDispute: { errors: Errors } }>(RESOLVE, { id, reason: "Not mine to decide." });
    expect(blocked.resolveDispute.errors).toMatchObject([{ code: "DISPUTE_TAKEN" }]);
    const resolved = await admin.client.data<{ resolveDispute: { trade: { status: string }; errors: Errors } }>(RESOLVE, {
      id,
      reason: "Bob showed the receipt.",
    });
    expect(resolved.resolveDispute.errors).toEqual([]);

    const parties = [{ id: swap.ann.id }, { id: swap.bob.id }];
    const entries = await auditEntries({ memberId: swap.bob.id });
    expect(entries.map((e) => [e.action, e.admin?.id, e.reason, e.details])).toEqual([
      ["DISPUTE_RESOLVED", admin.id, "Bob showed the receipt.", { outcome: "COMPLETE" }],
      ["DISPUTE_TAKEN", admin.id, null, { claimedUntil: expect.any(String) }],
    ]);
    for (const entry of entries) {
      expect(entry.subject).toEqual({ kind: "TRADE", id });
      expect(entry.members).toEqual(expect.arrayContaining(parties));
    }
    // The other admin's refused take and resolution left nothing under their name.
    expect(await auditEntries({ adminId: other.id })).toEqual([]);
  });

  it("records role changes by an admin and by the operator's CLI (named as the operator); refused or no-op changes record nothing", async () => {
    const admin = await harnessAdmin();
    const member = await registerUser();
    const change = async (query: string, id: string, reason?: string) =>
      Object.values(await admin.client.data<Record<string, { errors: Errors }>>(query, { id, reason }))[0]!.errors;
    expect(await change(GRANT_ADMIN, member.id, "Joins the support rota.")).toEqual([]);
    expect(await change(REVOKE_ADMIN, member.id, "Left the support rota.")).toEqual([]);
    expect(await change(GRANT_ADMIN, randomUUID(), "Nobody.")).toMatchObject([{ code: "NOT_FOUND", field: "userId" }]);
    expect(await change(GRANT_ADMIN, member.id, "   ")).toMatchObject([{ code: "INVALID_INPUT", field: "reason" }]);
    // Not an admin already: nothing changes, nothing is recorded.
    expect(await adminCli("revoke", member.email)).toMatchObject({ code: 0, stdout: expect.stringMatching(/nothing changed/) });
    expect(await adminCli("grant", member.email, "--reason", "Night-shift moderator.")).toMatchObject({ code: 0 });
    expect(await adminCli("revoke", member.email)).toMatchObject({ code: 0 });

    const entries = await auditEntries({ memberId: member.id });
    expect(entries.map((e) => [e.action, e.admin?.id ?? null, e.reason])).toEqual([
      ["ADMIN_REVOKED", null, null],
      ["ADMIN_GRANTED", null, "Night-shift moderator."],
      ["ADMIN_REVOKED", admin.id, "Left the support rota."],
      ["ADMIN_GRANTED", admin.id, "Joins the support rota."],
    ]);
    expect(entries[0]!.actor).toMatch(/^operator \(pnpm admin; .+\)$/);
    expect(entries[2]!.actor).toBe("admin");
    for (const entry of entries) expect(entry.subject).toEqual({ kind: "USER", id: member.id });
  });

  it("records clearing a recall match once, with the reason; clearing it again or a match that is not there records nothing", async () => {
    const admin = await harnessAdmin();
    const owner = await registerUser();
    const listing = await createListing(owner, {}, { draft: true });
    // Staged: the harness's graph fetches no recalls (RECALLS_URL unset), so the match is written as the refresh would.
    await graphDatabase()`insert into listings.recall_matches (listing_id, recall_number, title, matched_on)
      values (${listing.id}, '24999', 'Kettle Recalled Due to Burn Hazard', 'model KT-1')`;
    const clear = async (n: string) =>
      (await admin.client.data<{ clearRecallMatch: { errors: Errors } }>(CLEAR, { id: listing.id, n, reason: "Different model: KT-2." })).clearRecallMatch
        .errors;
    expect(await clear("24999")).toEqual([]);
    expect(await clear("24999")).toEqual([]);
    expect(await clear("00000")).toMatchObject([{ code: "NOT_FOUND", field: "recallNumber" }]);

    expect(await auditEntries({ memberId: owner.id })).toEqual([
      expect.objectContaining({
        action: "RECALL_MATCH_CLEARED",
        admin: { id: admin.id },
        subject: { kind: "LISTING", id: listing.id },
        reason: "Different model: KT-2.",
        details: { recallNumber: "24999" },
      }),
    ]);
  });

  it("records an admin running a member's dead job again; the member's own retry and a refused retry record nothing", async () => {
    const admin = await harnessAdmin();
    const member = await registerUser();
    const { requestDataExport } = await member.client.data<{ requestDataExport: { job: { id: string } } }>(EXPORT);
    const jobId = requestDataExport.job.id;
    const status = async () => (await member.client.data<{ job: { status: string } }>(JOB, { id: jobId })).job.status;
    const untilSucceeded = () => eventually("the export job to succeed", status, (s) => s === "SUCCEEDED");
    // Staged: a job that ran out of attempts, as result-jobs.ts leaves it.
    const kill = () => graphDatabase()`update media.jobs set status = 'DEAD', error = 'Gave up (staged).' where id = ${jobId}`;
    const retry = async (client: GatewayClient) => (await client.data<{ retryJob: { errors: Errors } }>(RETRY, { id: jobId })).retryJob.errors;

    await untilSucceeded();
    await kill();
    expect(await retry(member.client)).toEqual([]);
    await untilSucceeded();
    await kill();
    expect(await retry(admin.client)).toEqual([]);
    expect(await retry(admin.client)).toMatchObject([{ code: "CONFLICT", field: "id" }]);
    await untilSucceeded();

    expect(await auditEntries({ memberId: member.id })).toEqual([
      expect.objectContaining({
        action: "JOB_RETRIED",
        admin: { id: admin.id },
        subject: { kind: "JOB", id: jobId },
        details: { kind: "media:export-member-data" },
      }),
    ]);
  });

  it("is for admins only: a member is refused, an admin reads it", async () => {
    const member = await registerUser();
    const refused = await member.client.request<AuditPage>(AUDIT_LOG, { first: 5 });
    expect(refused.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(refused.data?.adminAuditLog ?? null).toBeNull();
    const anonymous = await new GatewayClient().request<AuditPage>(AUDIT_LOG, { first: 5 });
    expect(anonymous.errors?.[0]?.extensions?.code).toMatch(/UNAUTHENTICATED|FORBIDDEN/);
    // Positive control: an admin gets entries (every run has at least the operator's grant of the harness admin's role).
    const admin = await harnessAdmin();
    const { adminAuditLog } = await admin.client.data<AuditPage>(AUDIT_LOG, { first: 5 });
    expect(adminAuditLog.totalCount).toBeGreaterThan(0);
    expect(adminAuditLog.edges.length).toBeGreaterThan(0);
  });

  it("filters by admin, member, action and time, newest first, page by page", async () => {
    const admin = await harnessAdmin();
    const other = await anotherAdmin();
    const member = await registerUser();
    const before = new Date(Date.now() - 1000).toISOString();
    const first = await grant(admin.client, member.id, 3, "First grant.");
    const second = await grant(other.client, member.id, 4, "Second grant.");
    const after = new Date(Date.now() + 1000).toISOString();
    const ids = async (filter: Parameters<typeof auditEntries>[0]) => (await auditEntries(filter)).map((e) => e.subject.id);
    const both = [second.transfer!.id, first.transfer!.id];

    expect(await ids({ memberId: member.id })).toEqual(both);
    expect(await ids({ memberId: member.id, adminId: other.id })).toEqual([second.transfer!.id]);
    expect(await ids({ memberId: member.id, adminId: admin.id })).toEqual([first.transfer!.id]);
    expect(await ids({ memberId: member.id, actions: ["CREDITS_GRANTED", "DISPUTE_TAKEN"] })).toEqual(both);
    expect(await ids({ memberId: member.id, actions: ["DISPUTE_RESOLVED"] })).toEqual([]);
    expect(await ids({ memberId: member.id, from: before, to: after })).toEqual(both);
    expect(await ids({ memberId: member.id, from: after })).toEqual([]);
    expect(await ids({ memberId: member.id, to: before })).toEqual([]);

    // One at a time through the cursor: the same two, newest first, then no more.
    const page = (after: string | null) => admin.client.data<AuditPage>(AUDIT_LOG, { filter: { memberId: member.id }, first: 1, after });
    const one = (await page(null)).adminAuditLog;
    expect(one).toMatchObject({ totalCount: 2, pageInfo: { hasNextPage: true } });
    const two = (await page(one.pageInfo.endCursor)).adminAuditLog;
    expect([...one.edges, ...two.edges].map((e) => e.node.subject.id)).toEqual(both);
    expect(two.pageInfo.hasNextPage).toBe(false);

    const backwards = await admin.client.request(AUDIT_LOG, { filter: { from: after, to: before } });
    expect(backwards.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "filter.from" });
  });

  it("is append-only for the role the graph connects as: UPDATE, DELETE and TRUNCATE are refused by PostgreSQL", async () => {
    const admin = await harnessAdmin();
    const member = await registerUser();
    expect((await grant(admin.client, member.id, 7, "Kept as written.")).errors).toEqual([]);
    const db = graphDatabase();
    const [row] = await db<{ id: string }[]>`select id from audit.admin_acts where ${member.id}::uuid = any(member_ids)`;
    expect(row).toBeDefined();

    await expect(db`update audit.admin_acts set reason = 'Rewritten.' where id = ${row!.id}`).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(db`delete from audit.admin_acts where id = ${row!.id}`).rejects.toThrow(/append-only: DELETE refused/);
    await expect(db`truncate audit.admin_acts`).rejects.toThrow(/append-only: TRUNCATE refused/);
    // Inside a transaction too (an act's own): refused, and the transaction with it.
    await expect(db.begin((tx) => tx`update audit.admin_acts set details = '{}' where id = ${row!.id}`)).rejects.toThrow(/append-only/);

    // Positive controls: the entry is there as written, and appending through recordAdminAct works.
    expect((await auditEntries({ memberId: member.id })).map((e) => e.reason)).toEqual(["Kept as written."]);
    await recordAdminAct(db, {
      admin: admin.id,
      action: "JOB_RETRIED",
      subject: { kind: "JOB", id: randomUUID() },
      members: [member.id],
      reason: null,
      details: { kind: "test:append" },
    });
    expect((await auditEntries({ memberId: member.id })).map((e) => e.action)).toEqual(["JOB_RETRIED", "CREDITS_GRANTED"]);
  });

  it("as an application role that owns nothing (docs/audit.md), appends and reads but can neither change an entry nor disable the triggers", async () => {
    const db = graphDatabase();
    const role = `localex_audit_app_${randomUUID().slice(0, 8)}`;
    const [database] = await db<{ name: string }[]>`select current_database() as name`;
    const name = database!.name;
    await db.unsafe(`create role ${role} login password 'audit-test'`);
    try {
      await db.unsafe(`grant connect on database "${name}" to ${role}`);
      await db.unsafe(`grant usage on schema audit to ${role}`);
      await db.unsafe(`grant select, insert on audit.admin_acts to ${role}`);
      const url = new URL(inject("databaseUrl"));
      url.username = role;
      url.password = "audit-test";
      const app = postgres(url.toString(), { max: 1, onnotice: () => {} });
      try {
        const member = randomUUID();
        await recordAdminAct(app, {
          admin: randomUUID(),
          action: "JOB_RETRIED",
          subject: { kind: "JOB", id: "j" },
          members: [member],
          reason: null,
          details: { kind: "x" },
        });
        const [row] = await app<{ id: string }[]>`select id from audit.admin_acts where ${member}::uuid = any(member_ids)`;
        expect(row).toBeDefined();
        await expect(app`update audit.admin_acts set reason = 'x' where id = ${row!.id}`).rejects.toThrow(/permission denied/);
        await expect(app`delete from audit.admin_acts where id = ${row!.id}`).rejects.toThrow(/permission denied/);
        await expect(app`truncate audit.admin_acts`).rejects.toThrow(/permission denied/);
        await expect(app`alter table audit.admin_acts disable trigger admin_acts_append_only`).rejects.toThrow(/must be owner/);
        await expect(app`drop table audit.admin_acts`).rejects.toThrow(/must be owner/);
      } finally {
        await app.end({ timeout: 5 });
      }
    } finally {
      await db.unsafe(`drop owned by ${role}`);
      await db.unsafe(`drop role ${role}`);
    }
  });
});
