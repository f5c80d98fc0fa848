// Who is an admin: never whoever registers an address first; an operator's `pnpm admin grant`
// (run here for real, on the run's database) or another admin's grantAdmin. A role change ends the
// member's sessions at once; identity's own admin mutations also check the stored role.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { GatewayClient, registerUser, signInAdmin, type TestUser } from "../harness/client.ts";
import { adminCli } from "../harness/admin-cli.ts";
import { eventually } from "../harness/eventually.ts";
import { accountOf, GRANT as GRANT_CREDITS } from "../ledger/helpers.ts";
import { pdf } from "../media/image-fixtures.ts";
import { untilJobEnds, uploadDirect } from "../media/helpers.ts";
import { accept, DISPUTE, mutate, RESOLVE, swapTrade, tradeAs } from "../trades/helpers.ts";

const anonymous = new GatewayClient();
const LOGIN = `mutation ($input: LoginInput!) { login(input: $input) { accessToken user { id } } }`;
const REFRESH = `mutation ($token: String!) { refreshSession(refreshToken: $token) { accessToken refreshToken } }`;
const GRANT = `mutation ($id: ID!) { grantAdmin(userId: $id) { user { id role } errors { code message field } } }`;
const REVOKE = `mutation ($id: ID!) { revokeAdmin(userId: $id) { user { id role } errors { code message field } } }`;
/** What only an admin's token shows: another member's email. */
const EMAIL_OF = `query ($id: ID!) { user(id: $id) { email } }`;
type EmailOf = { user: { email: string | null } };
type Refreshed = { refreshSession: { accessToken: string; refreshToken: string } };

async function roleOf(user: TestUser, client: GatewayClient = user.client): Promise<string | null> {
  const { user: found } = await client.data<{ user: { role: string | null } }>(`query ($id: ID!) { user(id: $id) { role } }`, { id: user.id });
  return found.role;
}

/** A fresh session for `user`: its access token carries the role stored now. */
async function login(user: TestUser): Promise<GatewayClient> {
  const { login } = await anonymous.data<{ login: { accessToken: string } }>(LOGIN, { input: { email: user.email, password: user.password } });
  return anonymous.withToken(login.accessToken);
}

describe("no first-come admin", () => {
  it("registering an address listed in ADMIN_EMAILS makes an ordinary member", async () => {
    const res = await anonymous.request<{ register: { accessToken: string; user: { id: string } } }>(
      `mutation ($input: RegisterInput!) { register(input: $input) { accessToken user { id role } } }`,
      { input: { email: "first-come@localex.test", password: "correct horse battery", displayName: "First" } },
    );
    expect(res.data?.register.user).toMatchObject({ role: "USER" });
    const client = anonymous.withToken(res.data!.register.accessToken);
    const other = await registerUser({ verify: false });
    expect((await client.data<EmailOf>(EMAIL_OF, { id: other.id })).user.email).toBeNull();
    expect((await client.request(GRANT, { id: res.data!.register.user.id })).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });
});

describe("pnpm admin (the operator's command)", () => {
  it("grants the role by email; a fresh sign-in carries it; revoke takes it back", async () => {
    await signInAdmin(); // another admin exists, so revoking Ann leaves one
    const ann = await registerUser({ verify: false });
    const other = await registerUser({ verify: false });
    const granted = await adminCli("grant", ann.email.toUpperCase());
    expect(granted).toMatchObject({ code: 0 });
    expect(granted.stdout).toContain(`${ann.email} is now an admin`);
    const asAdmin = await login(ann);
    expect(await roleOf(ann, asAdmin)).toBe("ADMIN");
    expect((await asAdmin.data<EmailOf>(EMAIL_OF, { id: other.id })).user.email).toBe(other.email);

    expect((await adminCli("grant", ann.email)).stdout).toContain("already an admin; nothing changed");
    const revoked = await adminCli("revoke", ann.email);
    expect(revoked).toMatchObject({ code: 0 });
    expect(revoked.stdout).toContain(`${ann.email} is no longer an admin`);
    expect(await roleOf(ann, await login(ann))).toBe("USER");
  }, 60_000);

  it("refuses an unknown email (exit 1) and bad usage (exit 2, with help), changing nothing", async () => {
    const unknown = await adminCli("grant", `nobody-${randomUUID()}@localex.test`);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/refused: No member has the email nobody-.*@localex\.test\./);
    const usage = await adminCli("promote", "someone@localex.test");
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("Usage: pnpm admin <grant|revoke> <email>");
    expect(usage.stderr).toContain("DATABASE_URL");
    expect(usage.stderr).toMatch(/embedded PostgreSQL/);
  }, 60_000);
});

describe("grantAdmin and revokeAdmin (admins only)", () => {
  it("a role change ends the member's sessions at once: granted, the role comes with the next sign-in; revoked, the old token can neither mint nor read emails", async () => {
    const admin = await signInAdmin();
    const bea = await registerUser({ verify: false });
    const other = await registerUser({ verify: false });
    const { grantAdmin } = await admin.data(GRANT, { id: bea.id });
    expect(grantAdmin).toEqual({ user: { id: bea.id, role: "ADMIN" }, errors: [] });

    // Granted: the session Bea held ended (its refresh token is refused); signed in again, she is an admin.
    const refresh = await anonymous.request<Refreshed>(REFRESH, { token: bea.refreshToken });
    expect(refresh.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const beaAdmin = await login(bea);
    expect((await beaAdmin.data<EmailOf>(EMAIL_OF, { id: other.id })).user.email).toBe(other.email);
    // The positive control for what follows: her admin token mints.
    const minted = await beaAdmin.data<{ grantCredits: { errors: unknown[] } }>(GRANT_CREDITS, {
      userId: other.id,
      amount: 5,
      memo: "control",
      key: randomUUID(),
    });
    expect(minted.grantCredits.errors).toEqual([]);

    // Revoked: every gateway refuses the token she still holds, at once, everywhere it is sent.
    const { revokeAdmin } = await admin.data(REVOKE, { id: bea.id });
    expect(revokeAdmin).toEqual({ user: { id: bea.id, role: "USER" }, errors: [] });
    const refused = await eventually(
      "the revoked admin's token refused",
      () => beaAdmin.request<EmailOf>(EMAIL_OF, { id: other.id }),
      (r) => r.errors?.[0]?.extensions?.code === "UNAUTHENTICATED",
      10_000,
    );
    expect(refused.data?.user?.email ?? null).toBeNull();
    const mint = await beaAdmin.request(GRANT_CREDITS, { userId: other.id, amount: 5, memo: "after revocation", key: randomUUID() });
    expect(mint.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(await roleOf(other, admin)).toBe("USER");
    // Signed in again, she is an ordinary member.
    expect((await (await login(bea)).data<EmailOf>(EMAIL_OF, { id: other.id })).user.email).toBeNull();
  });

  it("an admin may revoke themselves while another admin remains", async () => {
    const admin = await signInAdmin();
    const cleo = await registerUser({ verify: false });
    await admin.data(GRANT, { id: cleo.id });
    const cleoAsAdmin = await login(cleo);
    const { revokeAdmin } = await cleoAsAdmin.data(REVOKE, { id: cleo.id });
    expect(revokeAdmin).toEqual({ user: { id: cleo.id, role: "USER" }, errors: [] });
  });

  it("is refused to members and to the signed-out, and changes nothing", async () => {
    const dan = await registerUser({ verify: false });
    const eve = await registerUser({ verify: false });
    for (const mutation of [GRANT, REVOKE]) {
      expect((await dan.client.request(mutation, { id: dan.id })).errors?.[0]).toMatchObject({
        message: "Only administrators may do this.",
        extensions: { code: "FORBIDDEN" },
      });
      expect((await anonymous.request(mutation, { id: eve.id })).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    }
    expect(await roleOf(dan)).toBe("USER");
  });

  it("answers an unknown or malformed member id as NOT_FOUND", async () => {
    const admin = await signInAdmin();
    for (const id of [randomUUID(), "not-a-uuid"]) {
      const { grantAdmin } = await admin.data(GRANT, { id });
      expect(grantAdmin).toEqual({ user: null, errors: [{ code: "NOT_FOUND", message: "No member has this id.", field: "userId" }] });
    }
  });
});

/** A trade Ann and Bob accepted (escrow held) and Ann disputed: what an admin resolves. */
async function disputedTrade(): Promise<{ ann: TestUser; id: string }> {
  const { ann, bob, trade } = await swapTrade();
  expect((await accept(bob, trade.id)).errors).toEqual([]);
  expect((await mutate(ann, DISPUTE, { id: trade.id, reason: "never showed up" })).errors).toEqual([]);
  return { ann, id: trade.id };
}

/** A member's private document, processed: the processing job an admin can open it from. */
async function documentJob(member: TestUser): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "localex-admin-roles-"));
  try {
    const uploaded = await uploadDirect(member, await pdf(dir, "passport.pdf"), { purpose: "DOCUMENT", contentType: "application/pdf" });
    const job = await untilJobEnds(member, uploaded.media!.job!.id);
    expect(job.status).toBe("SUCCEEDED");
    return job.id;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const DOCUMENT_URL = `query ($id: ID!) { job(id: $id) { media { id purpose url } } }`;
type DocumentUrl = { job: { media: { id: string; purpose: string; url: string | null } | null } | null };
const QUEUE = `{ verificationRequests(first: 100) { edges { node { id documents { id url } } } } }`;
type Queue = { verificationRequests: { edges: { node: { id: string; documents: { id: string; url: string | null }[] } }[] } };

type MemberEmail = { user: { id: string; email: string | null } | null };
const MEMBER_EMAIL = `query ($id: ID!) { user(id: $id) { id email } }`;
const RECONCILIATION = `{ ledgerReconciliation { accountsChecked } }`;

describe("a revocation that reaches no gateway (pnpm admin revoke, no event bus)", () => {
  it("the old admin token still passes the gateway, but can no longer mint credits, resolve a dispute, open a member's document, read their email or reconcile the ledger", async () => {
    await signInAdmin(); // another admin exists, so revoking Dora leaves one
    const dora = await registerUser({ verify: false });
    const [other, member, first, second] = await Promise.all([
      registerUser({ verify: false }),
      registerUser({ verify: false }),
      disputedTrade(),
      disputedTrade(),
    ]);
    const jobId = await documentJob(member);
    const asked = await member.client.data<{ requestVerification: { request: { id: string } | null; errors: unknown[] } }>(
      `mutation ($ids: [ID!]!) { requestVerification(documentIds: $ids) { request { id } errors { code } } }`,
      { ids: [(await member.client.data<DocumentUrl>(DOCUMENT_URL, { id: jobId })).job!.media!.id] },
    );
    expect(asked.requestVerification.errors).toEqual([]);
    expect((await adminCli("grant", dora.email)).code).toBe(0);
    const doraAdmin = await login(dora);

    // Positive controls, with the token held from here on: each works while she is an admin.
    const minted = await doraAdmin.data<{ grantCredits: { errors: unknown[] } }>(GRANT_CREDITS, {
      userId: other.id,
      amount: 5,
      memo: "control",
      key: randomUUID(),
    });
    expect(minted.grantCredits.errors).toEqual([]);
    expect(await mutate({ client: doraAdmin }, RESOLVE, { id: first.id, outcome: "CANCEL" })).toMatchObject({ errors: [], trade: { status: "RESOLVED" } });
    const opened = await doraAdmin.data<DocumentUrl>(DOCUMENT_URL, { id: jobId });
    expect(opened.job!.media).toMatchObject({ purpose: "DOCUMENT", url: expect.stringMatching(/signature=/) });
    const queued = (await doraAdmin.data<Queue>(QUEUE)).verificationRequests.edges.find((e) => e.node.id === asked.requestVerification.request!.id);
    expect(queued?.node.documents).toEqual([{ id: opened.job!.media!.id, url: expect.stringMatching(/signature=/) }]);
    const emailBefore = await doraAdmin.data<MemberEmail>(MEMBER_EMAIL, { id: member.id });
    expect(emailBefore.user?.email).toBe(member.email);
    const reconciled = await doraAdmin.request(RECONCILIATION);
    expect(reconciled.errors).toBeUndefined();

    // Revoked the operator's way: straight on the database; no gateway hears of it.
    const revoked = await adminCli("revoke", dora.email);
    expect(revoked).toMatchObject({ code: 0 });
    const stillAccepted = await doraAdmin.request<{ me: { id: string } }>(`{ me { id } }`);
    expect(stillAccepted.data?.me.id, "the gateway still takes the token (this is what the stored-role checks are for)").toBe(dora.id);

    const mint = await doraAdmin.request(GRANT_CREDITS, { userId: other.id, amount: 5, memo: "after revocation", key: randomUUID() });
    expect(mint.errors?.map((e) => e.extensions?.code)).toEqual(["FORBIDDEN"]);
    expect((await accountOf(other)).balance).toBe(5);

    const resolve = await mutate({ client: doraAdmin }, RESOLVE, { id: second.id, outcome: "CANCEL" });
    expect(resolve).toEqual({ trade: null, errors: [{ code: "FORBIDDEN", message: "Only administrators may resolve disputes.", field: "id" }] });
    expect((await tradeAs(second.ann, second.id))?.status).toBe("DISPUTED");

    const document = await doraAdmin.request<DocumentUrl>(DOCUMENT_URL, { id: jobId });
    expect(document.errors?.map((e) => [e.extensions?.code, e.path])).toEqual([["FORBIDDEN", ["job", "media", "url"]]]);
    expect(document.data?.job?.media?.url ?? null).toBeNull();
    const queue = await doraAdmin.request<Queue>(QUEUE);
    expect(queue.errors?.map((e) => e.extensions?.code)).toEqual(["FORBIDDEN"]);
    expect(queue.data?.verificationRequests ?? null).toBeNull();
    const emailAfter = await doraAdmin.data<MemberEmail>(MEMBER_EMAIL, { id: member.id });
    expect(emailAfter.user).toMatchObject({ id: member.id, email: null });
    const report = await doraAdmin.request(RECONCILIATION);
    expect(report.errors?.map((e) => e.extensions?.code)).toEqual(["FORBIDDEN"]);
  }, 90_000);
});
