// Account recovery through the gateway: requestPasswordReset answers the same for any email and
// mails a link only to a member; resetPassword sets the password once per link, ends every
// session and mails a notice; forged, expired, reused and racing links are refused as data.
import { describe, expect, it } from "vitest";
import { signResetToken } from "../../subgraphs/identity/src/password-reset/reset-token.ts";
import { GatewayClient, mailTo, randomAddress, registerUser, resetToken, type TestUser } from "../harness/client.ts";
import { eventually } from "../harness/eventually.ts";
import { TEST_JWT_SECRET } from "../harness/secrets.ts";

const REQUEST = `mutation ($email: String!) { requestPasswordReset(email: $email) { accepted errors { code } } }`;
const RESET = `mutation ($token: String!, $next: String!) { resetPassword(token: $token, newPassword: $next) { reset errors { code field } } }`;
const LOGIN = `mutation ($input: LoginInput!) { login(input: $input) { accessToken } }`;
const ME = `{ me { id } }`;

type Reset = { resetPassword: { reset: boolean; errors: { code: string; field: string | null }[] } };
const anonymous = () => new GatewayClient();

function requestReset(email: string) {
  return anonymous().request<{ requestPasswordReset: { accepted: boolean; errors: unknown[] } }>(REQUEST, { email });
}

function reset(token: string, next: string) {
  return anonymous().data<Reset>(RESET, { token, next });
}

async function signsIn(member: TestUser, password: string): Promise<boolean> {
  return Boolean((await anonymous().request<{ login: unknown }>(LOGIN, { input: { email: member.email, password } })).data?.login);
}

describe("requestPasswordReset", () => {
  it("answers an unknown email exactly as a member's, and mails only the member", async () => {
    const member = await registerUser();
    const stranger = randomAddress();
    const [known, unknown] = await Promise.all([requestReset(member.email), requestReset(stranger)]);
    expect(unknown.status).toBe(known.status);
    expect(unknown.data).toEqual(known.data);
    expect(known.data).toEqual({ requestPasswordReset: { accepted: true, errors: [] } });
    // The member's link arrives (positive control); by then nothing went to the stranger's address.
    expect(await resetToken(member.email)).toMatch(/^ey/);
    expect(await mailTo(stranger)).toEqual([]);
  });

  it("is limited per email, for any email alike: past the limit RATE_LIMITED, registered or not", async () => {
    const member = await registerUser();
    const stranger = randomAddress();
    const codes = async (email: string) => {
      const answers = [];
      for (let i = 0; i < 6; i++) answers.push((await requestReset(email)).errors?.[0]?.extensions?.code ?? "accepted");
      return answers;
    };
    const expected = ["accepted", "accepted", "accepted", "accepted", "accepted", "RATE_LIMITED"];
    expect(await codes(member.email)).toEqual(expected);
    expect(await codes(stranger)).toEqual(expected);
  });
});

describe("resetPassword", () => {
  it("sets the password once per link, ends every session and mails a notice", async () => {
    const member = await registerUser();
    expect(await member.client.data(ME)).toEqual({ me: { id: member.id } });
    await requestReset(member.email);
    const token = await resetToken(member.email);

    expect((await reset(token, "short")).resetPassword.errors).toEqual([{ code: "INVALID_INPUT", field: "newPassword" }]);
    // That refusal used nothing up: the same link sets a good password.
    expect(await reset(token, "my recovered password")).toEqual({ resetPassword: { reset: true, errors: [] } });
    expect(await signsIn(member, "my recovered password")).toBe(true);
    expect(await signsIn(member, member.password)).toBe(false);
    // Every session ended, the one the member had open included.
    expect((await member.client.request(ME)).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    // Used: the link works no more.
    expect((await reset(token, "yet another password")).resetPassword.errors).toEqual([{ code: "PASSWORD_RESET_TOKEN_USED", field: "token" }]);
    const notice = await eventually(
      "the password-changed notice",
      () => mailTo(member.email),
      (mail) => mail.some((m) => /password was changed/i.test(m.subject)),
    );
    expect(notice.filter((m) => /password was changed/i.test(m.subject))).toHaveLength(1);
  });

  it("lets one of two resets with the same link at once through; the other is told it was used", async () => {
    const member = await registerUser();
    await requestReset(member.email);
    const token = await resetToken(member.email);
    const outcomes = await Promise.all([reset(token, "first recovered password"), reset(token, "second recovered password")]);
    const codes = outcomes.map((o) => o.resetPassword.errors[0]?.code ?? "reset").sort();
    expect(codes).toEqual(["PASSWORD_RESET_TOKEN_USED", "reset"]);
    const winner = outcomes[0]!.resetPassword.reset ? "first recovered password" : "second recovered password";
    expect(await signsIn(member, winner)).toBe(true);
  });

  it("refuses a forged link, an expired one, and one sent before a password change", async () => {
    const member = await registerUser();
    await requestReset(member.email);
    const token = await resetToken(member.email);
    const [header, payload] = token.split(".");
    // Forged: another key's signature, or the payload changed under ours.
    expect((await reset(`${header}.${payload}.${"A".repeat(43)}`, "a forged new password")).resetPassword.errors).toEqual([
      { code: "PASSWORD_RESET_TOKEN_INVALID", field: "token" },
    ]);
    expect((await reset("not-a-token", "a forged new password")).resetPassword.errors).toEqual([{ code: "PASSWORD_RESET_TOKEN_INVALID", field: "token" }]);
    // Expired: signed with the graph's key an hour ago, for 30 minutes.
    const stale = await signResetToken(TEST_JWT_SECRET, { userId: member.id, passwordHash: "irrelevant" }, 1800, Date.now() - 3600_000);
    expect((await reset(stale.token, "an expired new password")).resetPassword.errors).toEqual([{ code: "PASSWORD_RESET_TOKEN_EXPIRED", field: "token" }]);
    // The member changes the password while signed in: the link mailed before stops working.
    expect(
      (
        await member.client.data<{ changePassword: { errors: unknown[] } }>(
          `mutation ($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { errors { code } } }`,
          { c: member.password, n: "changed while signed in" },
        )
      ).changePassword.errors,
    ).toEqual([]);
    expect((await reset(token, "too late a password")).resetPassword.errors).toEqual([{ code: "PASSWORD_RESET_TOKEN_USED", field: "token" }]);
    // Positive control: a link asked for now works.
    await requestReset(member.email);
    expect((await reset(await resetToken(member.email, 2), "the latest password")).resetPassword.reset).toBe(true);
  });
});
