// changeEmail through the gateway: the password is required and a taken address is said only
// once it is right; a confirmation link goes to the new address and a notice with an undo link to
// the old one; the address changes only on confirmation; undo puts the old address back, cancels
// a pending change and ends every session. Forged, expired, reused, replaced and racing links are
// refused as data.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signChangeToken } from "../../subgraphs/identity/src/email-change/change-tokens.ts";
import { GatewayClient, linkTokenIn, mailTo, randomAddress, REGISTER, registerUser, type TestUser } from "../harness/client.ts";
import { eventually } from "../harness/eventually.ts";
import { TEST_JWT_SECRET } from "../harness/secrets.ts";

const CHANGE = `mutation ($email: String!, $password: String!) { changeEmail(newEmail: $email, password: $password) { accepted pendingEmail errors { code field } } }`;
const CONFIRM = `mutation ($token: String!) { confirmEmailChange(token: $token) { user { id emailVerified } errors { code field } } }`;
const UNDO = `mutation ($token: String!) { undoEmailChange(token: $token) { undone errors { code field } } }`;
const LOGIN = `mutation ($input: LoginInput!) { login(input: $input) { accessToken } }`;
const ME = `{ me { id email emailVerified } }`;

type Change = { changeEmail: { accepted: boolean; pendingEmail: string | null; errors: { code: string; field: string | null }[] } };
type Confirm = { confirmEmailChange: { user: { id: string; emailVerified: boolean } | null; errors: { code: string; field: string | null }[] } };
type Undo = { undoEmailChange: { undone: boolean; errors: { code: string; field: string | null }[] } };

const anonymous = () => new GatewayClient();
const freshAddress = () => `moved-${randomUUID()}@localex.test`;

function change(member: TestUser, email: string, password = member.password) {
  return member.client.data<Change>(CHANGE, { email, password });
}
const confirm = (token: string) => anonymous().data<Confirm>(CONFIRM, { token });
const undo = (token: string) => anonymous().data<Undo>(UNDO, { token });

/** The token of the newest `path` link mailed to `address`, once `count` of them have arrived. */
async function linkToken(address: string, path: "confirm-email-change" | "undo-email-change", count = 1): Promise<string> {
  const tokens = await eventually(
    `${path} link ${count} for ${address}`,
    async () => (await mailTo(address)).map((m) => linkTokenIn(m.raw, path)).filter((t): t is string => t !== null),
    (found) => found.length >= count,
  );
  return tokens.at(-1)!;
}

async function signsIn(email: string, password: string): Promise<boolean> {
  return Boolean((await anonymous().request<{ login: unknown }>(LOGIN, { input: { email, password } })).data?.login);
}

/** What registering with `email` answers: "registered" or the refusal's field. */
async function register(email: string): Promise<string> {
  const res = await anonymous().request(
    REGISTER,
    { input: { email, password: "correct horse battery", displayName: "Squatter" } },
    { "x-forwarded-for": randomAddress() },
  );
  return res.data ? "registered" : String(res.errors?.[0]?.extensions?.field);
}

/** The change a link names (its `chg` claim), to sign a token for it as the graph would. */
const changeIdOf = (token: string): string => (JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")) as { chg: string }).chg;

describe("changeEmail", () => {
  it("refuses a wrong password, and says an address is taken only once the password is right", async () => {
    const member = await registerUser();
    const other = await registerUser();
    expect((await change(member, freshAddress(), "not the password")).changeEmail).toEqual({
      accepted: false,
      pendingEmail: null,
      errors: [{ code: "WRONG_PASSWORD", field: "password" }],
    });
    // Taken, with a wrong password: nothing but the wrong password is said.
    expect((await change(member, other.email, "not the password")).changeEmail.errors).toEqual([{ code: "WRONG_PASSWORD", field: "password" }]);
    expect((await change(member, other.email)).changeEmail.errors).toEqual([{ code: "EMAIL_TAKEN", field: "newEmail" }]);
    expect((await change(member, member.email.toUpperCase())).changeEmail.errors).toEqual([{ code: "EMAIL_UNCHANGED", field: "newEmail" }]);
    expect((await change(member, "not an address")).changeEmail.errors).toEqual([{ code: "INVALID_INPUT", field: "newEmail" }]);
    // Positive control on the same path: a free address with the right password is accepted, as stored (normalised).
    const next = freshAddress();
    expect((await change(member, `  ${next.toUpperCase()} `)).changeEmail).toEqual({ accepted: true, pendingEmail: next, errors: [] });
  });

  it("mails a link to the new address and an undo notice to the old; the address changes only on confirmation, once", async () => {
    const member = await registerUser();
    const next = freshAddress();
    expect((await change(member, next)).changeEmail.accepted).toBe(true);
    const token = await linkToken(next, "confirm-email-change");
    expect(await linkToken(member.email, "undo-email-change")).toMatch(/^ey/);
    // Nothing changed yet: the old address signs in, the new one does not.
    expect(await member.client.data(ME)).toEqual({ me: { id: member.id, email: member.email, emailVerified: true } });
    expect(await signsIn(next, member.password)).toBe(false);

    expect((await confirm(token)).confirmEmailChange).toEqual({ user: { id: member.id, emailVerified: true }, errors: [] });
    expect(await member.client.data(ME)).toEqual({ me: { id: member.id, email: next, emailVerified: true } });
    expect(await signsIn(next, member.password)).toBe(true);
    expect(await signsIn(member.email, member.password)).toBe(false);
    // Used: the link works no more.
    expect((await confirm(token)).confirmEmailChange).toEqual({ user: null, errors: [{ code: "EMAIL_CHANGE_TOKEN_USED", field: "token" }] });
  });

  it("undo puts the old address back, ends every session, and keeps the old address from anyone else until then", async () => {
    const member = await registerUser();
    const next = freshAddress();
    await change(member, next);
    expect((await confirm(await linkToken(next, "confirm-email-change"))).confirmEmailChange.errors).toEqual([]);
    // The old address is reserved for the undo: registering with it is refused as taken (a fresh one registers: control).
    expect(await register(member.email)).toBe("input.email");
    expect(await register(freshAddress())).toBe("registered");
    expect(await member.client.data(ME)).toMatchObject({ me: { email: next } });

    const undoToken = await linkToken(member.email, "undo-email-change");
    expect((await undo(undoToken)).undoEmailChange).toEqual({ undone: true, errors: [] });
    expect((await member.client.request(ME)).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(await signsIn(member.email, member.password)).toBe(true);
    expect(await signsIn(next, member.password)).toBe(false);
    expect((await undo(undoToken)).undoEmailChange.errors).toEqual([{ code: "EMAIL_CHANGE_TOKEN_USED", field: "token" }]);
  });

  it("undo before confirmation cancels the pending change: its confirmation link is refused", async () => {
    const member = await registerUser();
    const next = freshAddress();
    await change(member, next);
    const confirmToken = await linkToken(next, "confirm-email-change");
    expect((await undo(await linkToken(member.email, "undo-email-change"))).undoEmailChange.undone).toBe(true);
    expect((await member.client.request(ME)).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect((await confirm(confirmToken)).confirmEmailChange.errors).toEqual([{ code: "EMAIL_CHANGE_TOKEN_USED", field: "token" }]);
    expect(await signsIn(member.email, member.password)).toBe(true);
    expect(await signsIn(next, member.password)).toBe(false);
  });

  it("lets one of two confirmations at once through; the other is told the link was used", async () => {
    const member = await registerUser();
    const next = freshAddress();
    await change(member, next);
    const token = await linkToken(next, "confirm-email-change");
    const outcomes = await Promise.all([confirm(token), confirm(token)]);
    expect(outcomes.map((o) => o.confirmEmailChange.errors[0]?.code ?? "confirmed").sort()).toEqual(["EMAIL_CHANGE_TOKEN_USED", "confirmed"]);
    expect(await signsIn(next, member.password)).toBe(true);
  });

  it("refuses a forged link, a link of the other kind, an expired one and one replaced by a newer change", async () => {
    const member = await registerUser();
    const first = freshAddress();
    await change(member, first);
    const token = await linkToken(first, "confirm-email-change");
    const undoToken = await linkToken(member.email, "undo-email-change");
    const [header, payload] = token.split(".");
    const invalid = { user: null, errors: [{ code: "EMAIL_CHANGE_TOKEN_INVALID", field: "token" }] };
    expect((await confirm(`${header}.${payload}.${"A".repeat(43)}`)).confirmEmailChange).toEqual(invalid);
    expect((await confirm("not-a-token")).confirmEmailChange).toEqual(invalid);
    expect((await confirm(undoToken)).confirmEmailChange).toEqual(invalid);
    expect((await undo(token)).undoEmailChange.errors).toEqual([{ code: "EMAIL_CHANGE_TOKEN_INVALID", field: "token" }]);
    // Expired: the graph's key, for this very change, signed an hour ago for half an hour.
    const hourAgo = Date.now() - 3600_000;
    const stale = await signChangeToken(TEST_JWT_SECRET, "confirm", { userId: member.id, changeId: changeIdOf(token) }, new Date(hourAgo + 1800_000), hourAgo);
    expect((await confirm(stale!.token)).confirmEmailChange.errors).toEqual([{ code: "EMAIL_CHANGE_TOKEN_EXPIRED", field: "token" }]);

    // A newer change replaces the pending one: the first link is refused, the newer one works (control).
    const second = freshAddress();
    await change(member, second);
    const newer = await linkToken(second, "confirm-email-change");
    expect((await confirm(token)).confirmEmailChange.errors).toEqual([{ code: "EMAIL_CHANGE_TOKEN_USED", field: "token" }]);
    expect((await confirm(newer)).confirmEmailChange.errors).toEqual([]);
    expect(await signsIn(second, member.password)).toBe(true);
  });

  it("refuses the confirmation when someone registered with the new address meanwhile", async () => {
    const member = await registerUser();
    const next = freshAddress();
    await change(member, next);
    const token = await linkToken(next, "confirm-email-change");
    expect(await register(next)).toBe("registered");
    expect((await confirm(token)).confirmEmailChange.errors).toEqual([{ code: "EMAIL_TAKEN", field: "token" }]);
    expect(await member.client.data(ME)).toMatchObject({ me: { email: member.email } });
  });
});
