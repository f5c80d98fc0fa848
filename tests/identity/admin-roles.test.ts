// Who is an admin: never whoever registers an address first; an operator's `pnpm admin grant`
// (run here for real, on the run's database) or another admin's grantAdmin. A role change reaches
// a session at its next token refresh; identity's own admin mutations check the stored role.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, inject, it } from "vitest";
import { GatewayClient, registerUser, signInAdmin, type TestUser } from "../harness/client.ts";

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
  it("an admin makes a member admin; the member's session gets the role at its next refresh", async () => {
    const admin = await signInAdmin();
    const bea = await registerUser({ verify: false });
    const other = await registerUser({ verify: false });
    const { grantAdmin } = await admin.data(GRANT, { id: bea.id });
    expect(grantAdmin).toEqual({ user: { id: bea.id, role: "ADMIN" }, errors: [] });

    // The token Bea holds was issued before: it still says "user" until refreshed.
    expect((await bea.client.data<EmailOf>(EMAIL_OF, { id: other.id })).user.email).toBeNull();
    const { refreshSession } = await anonymous.data<Refreshed>(REFRESH, { token: bea.refreshToken });
    const refreshed = anonymous.withToken(refreshSession.accessToken);
    expect((await refreshed.data<EmailOf>(EMAIL_OF, { id: other.id })).user.email).toBe(other.email);

    // Revoked: the next refresh drops the role; the stale admin token can no longer grant either.
    const { revokeAdmin } = await admin.data(REVOKE, { id: bea.id });
    expect(revokeAdmin).toEqual({ user: { id: bea.id, role: "USER" }, errors: [] });
    const stale = await refreshed.request(GRANT, { id: other.id });
    expect(stale.errors?.[0]).toMatchObject({ extensions: { code: "FORBIDDEN" } });
    expect(await roleOf(other, admin)).toBe("USER");
    const { refreshSession: again } = await anonymous.data<Refreshed>(REFRESH, { token: refreshSession.refreshToken });
    expect((await anonymous.withToken(again.accessToken).data<EmailOf>(EMAIL_OF, { id: other.id })).user.email).toBeNull();
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
