// changePassword through the gateway: the current password is required, a refusal changes
// nothing, and a change ends every other session of the member (their access tokens refused at
// once, their refresh tokens dead) while the session that asked goes on.
import { describe, expect, it } from "vitest";
import { GatewayClient, registerUser, type TestUser } from "../harness/client.ts";

const CHANGE = `mutation ($current: String!, $next: String!) {
  changePassword(currentPassword: $current, newPassword: $next) { user { id } endedSessions errors { code field } }
}`;
const LOGIN = `mutation ($input: LoginInput!) { login(input: $input) { accessToken refreshToken } }`;
const REFRESH = `mutation ($token: String!) { refreshSession(refreshToken: $token) { accessToken } }`;
const ME = `{ me { id } }`;

type Change = { changePassword: { user: { id: string } | null; endedSessions: number; errors: { code: string; field: string | null }[] } };

const anonymous = () => new GatewayClient();

/** Signs the member in again: another session, on another device. */
async function signIn(member: TestUser, password: string): Promise<{ client: GatewayClient; refreshToken: string } | string> {
  const res = await anonymous().request<{ login: { accessToken: string; refreshToken: string } }>(LOGIN, { input: { email: member.email, password } });
  if (!res.data?.login) return String(res.errors?.[0]?.extensions?.code);
  return { client: anonymous().withToken(res.data.login.accessToken), refreshToken: res.data.login.refreshToken };
}

function change(client: GatewayClient, current: string, next: string) {
  return client.data<Change>(CHANGE, { current, next });
}

describe("changePassword", () => {
  it("refuses a wrong current password as data, and the password stays (the right one then works)", async () => {
    const member = await registerUser();
    const refused = await change(member.client, "not-the-password", "a brand new password");
    expect(refused.changePassword).toEqual({ user: null, endedSessions: 0, errors: [{ code: "WRONG_PASSWORD", field: "currentPassword" }] });
    expect(await signIn(member, "a brand new password")).toBe("UNAUTHENTICATED");
    expect(typeof (await signIn(member, member.password))).toBe("object");
    // Positive control on the same path: with the right current password it changes.
    expect((await change(member.client, member.password, "a brand new password")).changePassword.errors).toEqual([]);
  });

  it("refuses a too-short new password and the current one given again, naming newPassword, changing nothing", async () => {
    const member = await registerUser();
    expect((await change(member.client, member.password, "short")).changePassword.errors).toEqual([{ code: "INVALID_INPUT", field: "newPassword" }]);
    expect((await change(member.client, member.password, member.password)).changePassword.errors).toEqual([
      { code: "PASSWORD_UNCHANGED", field: "newPassword" },
    ]);
    expect(typeof (await signIn(member, member.password))).toBe("object");
  });

  it("sets the new password and ends every other session at once; this session goes on", async () => {
    const member = await registerUser();
    const elsewhere = await signIn(member, member.password);
    if (typeof elsewhere === "string") throw new Error(`could not sign in: ${elsewhere}`);
    expect(await elsewhere.client.data(ME)).toEqual({ me: { id: member.id } }); // before: it works

    const next = "correct horse battery staple";
    const { changePassword } = await change(member.client, member.password, next);
    // One session ended: the other device's (registration began the one asking).
    expect(changePassword).toEqual({ user: { id: member.id }, endedSessions: 1, errors: [] });

    // The other device: its access token refused at once, its refresh token dead.
    const refused = await elsewhere.client.request(ME);
    expect(refused.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect((await anonymous().request(REFRESH, { token: elsewhere.refreshToken })).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    // This session still works, and can still refresh.
    expect(await member.client.data(ME)).toEqual({ me: { id: member.id } });
    expect(
      (await anonymous().data<{ refreshSession: { accessToken: string } }>(REFRESH, { token: member.refreshToken })).refreshSession.accessToken,
    ).toBeTruthy();
    // The old password no longer signs in; the new one does.
    expect(await signIn(member, member.password)).toBe("UNAUTHENTICATED");
    expect(typeof (await signIn(member, next))).toBe("object");
  });

  it("lets one of two changes made at once with the same current password through; the other is refused", async () => {
    const member = await registerUser();
    const [a, b] = await Promise.all([
      change(member.client, member.password, "first new password"),
      change(member.client, member.password, "second new password"),
    ]);
    const outcomes = [a, b].map((r) => r.changePassword.errors.map((e) => e.code).join() || "changed").sort();
    expect(outcomes).toEqual(["WRONG_PASSWORD", "changed"]);
    const winner = a.changePassword.errors.length === 0 ? "first new password" : "second new password";
    const loser = winner === "first new password" ? "second new password" : "first new password";
    expect(typeof (await signIn(member, winner))).toBe("object");
    expect(await signIn(member, loser)).toBe("UNAUTHENTICATED");
  });

  it("is refused to the signed-out", async () => {
    const res = await anonymous().request(CHANGE, { current: "whatever password", next: "another password" });
    expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });
});
