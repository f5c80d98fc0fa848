import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { GatewayClient, registerUser } from "../harness/client.ts";
import { TEST_JWT_SECRET } from "../harness/secrets.ts";

const anonymous = new GatewayClient();
const ME = `{ me { id } }`;
const REFRESH = `mutation ($token: String!) { refreshSession(refreshToken: $token) { accessToken refreshToken user { id email } } }`;
type Refreshed = { refreshSession: { accessToken: string; refreshToken: string; user: { id: string; email: string } } };

function sign(claims: Record<string, unknown>, secret = TEST_JWT_SECRET, exp: string | number = "5m") {
  return new SignJWT({ role: "user", sid: crypto.randomUUID(), ...claims })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuer("localex-identity")
    .setAudience("localex-api")
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(secret));
}

async function expectUnauthenticated(token: string, message: RegExp) {
  const res = await anonymous.withToken(token).request(ME);
  expect(res.status).toBe(401);
  expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  expect(res.errors?.[0]?.message).toMatch(message);
}

describe("access tokens at the gateway", () => {
  it("refuses an expired token, saying so", async () => {
    const user = await registerUser();
    const expired = await sign({ sub: user.id }, TEST_JWT_SECRET, Math.floor(Date.now() / 1000) - 10);
    await expectUnauthenticated(expired, /expired/);
  });

  it("refuses a token whose payload was tampered with", async () => {
    const alice = await registerUser();
    const bob = await registerUser();
    const [header, payload, signature] = alice.accessToken.split(".");
    const claims = JSON.parse(Buffer.from(payload!, "base64url").toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: bob.id, role: "admin" })).toString("base64url");
    await expectUnauthenticated(`${header}.${forged}.${signature}`, /invalid/);
  });

  it("refuses a token signed with another key", async () => {
    const user = await registerUser();
    await expectUnauthenticated(await sign({ sub: user.id }, "someone-elses-secret-0123456789abcdef0123"), /invalid/);
  });

  it("refuses an unsigned `alg: none` token", async () => {
    const user = await registerUser();
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${enc({ alg: "none", typ: "JWT" })}.${enc({ sub: user.id, role: "admin", sid: "x", iss: "localex-identity", aud: "localex-api", iat: now, exp: now + 300 })}.`;
    await expectUnauthenticated(unsigned, /invalid/);
  });

  it("refuses a refresh token used as an access token, and garbage", async () => {
    const user = await registerUser();
    await expectUnauthenticated(user.refreshToken, /invalid/);
    const res = await anonymous.request(ME, undefined, { authorization: "Basic dXNlcjpwYXNz" });
    expect(res.status).toBe(401);
    expect(res.errors?.[0]?.message).toMatch(/Bearer/);
  });
});

describe("refreshSession", () => {
  it("rotates: the new pair works and the old refresh token does not", async () => {
    const user = await registerUser();
    const first = await anonymous.data<Refreshed>(REFRESH, { token: user.refreshToken });
    const next = first.refreshSession;
    expect(next.user).toEqual({ id: user.id, email: user.email });
    expect(next.refreshToken).not.toBe(user.refreshToken);
    expect((await anonymous.withToken(next.accessToken).data<{ me: { id: string } | null }>(ME)).me?.id).toBe(user.id);

    const again = await anonymous.data<Refreshed>(REFRESH, { token: next.refreshToken });
    expect(again.refreshSession.user.id).toBe(user.id);
  });

  it("treats a replayed refresh token as theft: refuses it and revokes the whole session", async () => {
    const user = await registerUser();
    const { refreshSession: rotated } = await anonymous.data<Refreshed>(REFRESH, { token: user.refreshToken });

    const replay = await anonymous.request(REFRESH, { token: user.refreshToken });
    expect(replay.errors?.[0]).toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
    expect(replay.errors?.[0]?.message).toMatch(/already used/);

    // The legitimate holder's newer token is revoked too.
    const legit = await anonymous.request(REFRESH, { token: rotated.refreshToken });
    expect(legit.errors?.[0]?.message).toMatch(/signed out/);
  });

  it("lets one of two racing refreshes win and revokes the family", async () => {
    const user = await registerUser();
    const results = await Promise.all([1, 2].map(() => anonymous.request<Refreshed>(REFRESH, { token: user.refreshToken })));
    expect(results.filter((r) => r.data?.refreshSession)).toHaveLength(1);
    const winner = results.find((r) => r.data?.refreshSession)!.data!.refreshSession;
    expect((await anonymous.request(REFRESH, { token: winner.refreshToken })).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("refuses an unknown refresh token", async () => {
    const res = await anonymous.request(REFRESH, { token: "definitely-not-a-token" });
    expect(res.errors?.[0]).toMatchObject({ message: "The refresh token is not recognised.", extensions: { code: "UNAUTHENTICATED" } });
  });
});

describe("logout", () => {
  it("ends the session: its refresh token stops working, other sessions go on", async () => {
    const user = await registerUser();
    const other = await anonymous.data<{ login: { refreshToken: string } }>(`mutation ($input: LoginInput!) { login(input: $input) { refreshToken } }`, {
      input: { email: user.email, password: user.password },
    });
    expect(await user.client.data(`mutation { logout }`)).toEqual({ logout: true });
    const res = await anonymous.request(REFRESH, { token: user.refreshToken });
    expect(res.errors?.[0]?.message).toMatch(/signed out/);
    const stillFine = await anonymous.data<Refreshed>(REFRESH, { token: other.login.refreshToken });
    expect(stillFine.refreshSession.user.id).toBe(user.id);
  });

  it("requires a signed-in user", async () => {
    const res = await anonymous.request(`mutation { logout }`);
    expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });
});
