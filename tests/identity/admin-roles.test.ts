// Who is an admin: never whoever registers an address first; an operator's `pnpm admin grant`
// (run here for real, on the run's database) or another admin's grantAdmin. A role change ends the
// member's sessions at once; identity's own admin mutations also check the stored role.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, inject, it } from "vitest";
import { GatewayClient, registerUser, signInAdmin, type TestUser } from "../harness/client.ts";
import { eventually } from "../harness/eventually.ts";
import { GRANT as GRANT_CREDITS } from "../ledger/helpers.ts";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const anonymous = new GatewayClient();
const LOGIN = `mutation ($input: LoginInput!) { login(input: $input) { accessToken user { id } } }`;
const REFRESH = `mutation ($token: String!) { refreshSession(refreshToken: $token) { accessToken refreshToken } }`;
const GRANT = `mutation ($id: ID!) { grantAdmin(userId: $id) { user { id role } errors { code message field } } }`;
const REVOKE = `mutation ($id: ID!) { revokeAdmin(userId: $id) { user { id role } errors { code message field } } }`;
/** What only an admin's token shows: another member's email. */
const EMAIL_OF = `query ($id: ID!) { user(id: $id) { email } }`;
type EmailOf = { user: { email: string | null } };
type Refreshed = { refreshSession: { accessToken: string; refreshToken: string } };

/** `pnpm admin …` as an operator runs it, on the run's database. */
async function adminCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "@swc-node/register/esm-register", "packages/stack/src/admin.ts", ...args], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: "test", DATABASE_URL: inject("databaseUrl"), LOG_LEVEL: "warn" },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

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
    const minted = await beaAdmin.data<{ grantCredits: { errors: unknown[] } }>(GRANT_CREDITS, { userId: other.id, amount: 5, memo: "control", key: randomUUID() });
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
