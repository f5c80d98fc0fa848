// Password guessing from many addresses: every account has a budget of failed logins, from any
// address, past which attempts from devices not known for it wait, longer each time (capped);
// the owner's known device (its `deviceToken`, returned at sign-in) keeps signing in.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { loadConfig, rateRule, type RateLimitName } from "@localex/common";
import { GatewayClient, randomAddress, registerUser, type TestUser } from "../harness/client.ts";
import { TEST_RATE_LIMITS } from "../harness/secrets.ts";

const inForce = (name: RateLimitName) => rateRule(name, { NODE_ENV: "test", ...TEST_RATE_LIMITS });
// The graph under test runs on the defaults: the wait starts at the base and doubles to the cap.
const { maxSeconds: cap } = loadConfig({ NODE_ENV: "test" }).accounts.loginBackoff;

const LOGIN = `mutation ($input: LoginInput!) { login(input: $input) { accessToken deviceToken user { id } } }`;
type LoggedIn = { login: { accessToken: string; deviceToken: string | null; user: { id: string } } };

interface Answer {
  status: number;
  retryAfter: number | null;
  code: string | undefined;
  retryAfterSeconds: number | undefined;
  login: LoggedIn["login"] | undefined;
}

/** One login through the gateway from `from` (X-Forwarded-For, which the test graph trusts from loopback). */
async function login(input: { email: string; password: string; deviceToken?: string }, from: string): Promise<Answer> {
  const response = await fetch(new GatewayClient().url, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": from },
    body: JSON.stringify({ query: LOGIN, variables: { input } }),
  });
  const body = (await response.json()) as { data?: LoggedIn | null; errors?: { extensions?: { code?: string; retryAfterSeconds?: number } }[] };
  const retryAfter = response.headers.get("retry-after");
  return {
    status: response.status,
    retryAfter: retryAfter === null ? null : Number(retryAfter),
    code: body.errors?.[0]?.extensions?.code,
    retryAfterSeconds: body.errors?.[0]?.extensions?.retryAfterSeconds,
    login: body.data?.login,
  };
}

/** The owner signs in once from home: their device is known to the account from then on. */
async function ownersDevice(owner: TestUser): Promise<string> {
  const signedIn = await login({ email: owner.email, password: owner.password }, randomAddress());
  expect(signedIn.login?.deviceToken).toEqual(expect.any(String));
  return signedIn.login!.deviceToken!;
}

/** The account's whole budget of failed logins, spent by guesses from as many addresses. */
async function spendBudget(email: string): Promise<void> {
  const budget = inForce("LOGIN_FAILURES_PER_ACCOUNT").points;
  const guesses = await Promise.all(Array.from({ length: budget }, (_, i) => login({ email, password: `guess number ${i}` }, randomAddress())));
  expect(guesses.map((g) => g.code)).toEqual(Array.from({ length: budget }, () => "UNAUTHENTICATED"));
}

describe("a budget of failed logins per account, from any address", () => {
  it("refuses guesses from new addresses past the budget, waiting longer each time up to a cap; the owner's known device signs in", async () => {
    const [victim, other] = await Promise.all([registerUser(), registerUser()]);
    const device = await ownersDevice(victim);
    await spendBudget(victim.email);

    // Each further guess comes from an address never seen before, as a botnet's would.
    const refused: number[] = [];
    for (let i = 0; i < 12; i++) {
      const answer = await login({ email: victim.email, password: `more guessing ${i}` }, randomAddress());
      if (answer.code === "UNAUTHENTICATED") {
        // Only before the first refusal can a guess still be checked (the first wait may pass on a slow machine).
        expect(refused).toEqual([]);
        continue;
      }
      expect(answer).toMatchObject({ status: 429, code: "RATE_LIMITED" });
      expect(answer.retryAfter).toBe(answer.retryAfterSeconds);
      refused.push(answer.retryAfter!);
    }
    expect(refused.length).toBeGreaterThanOrEqual(11);
    // Each wait doubles the one before, up to the cap, and stays there.
    for (let i = 1; i < refused.length; i++) expect(refused[i], JSON.stringify(refused)).toBe(Math.min(cap, 2 * refused[i - 1]!));
    expect(refused.at(-1)).toBe(cap);

    // From an unknown device even the right password waits: the budget is the account's.
    const stranger = await login({ email: victim.email, password: victim.password }, randomAddress());
    expect(stranger).toMatchObject({ status: 429, code: "RATE_LIMITED" });
    // A device token of another account does not make a device known to this one, nor does a forged one.
    const attackersDevice = await ownersDevice(other);
    expect(await login({ email: victim.email, password: victim.password, deviceToken: attackersDevice }, randomAddress())).toMatchObject({ status: 429 });
    expect(await login({ email: victim.email, password: victim.password, deviceToken: `${device.slice(0, -4)}AAAA` }, randomAddress())).toMatchObject({
      status: 429,
    });

    // The owner's known device signs in, from whichever address it is on today.
    const owner = await login({ email: victim.email, password: victim.password, deviceToken: device }, randomAddress());
    expect(owner.status).toBe(200);
    expect(owner.login).toMatchObject({ accessToken: expect.any(String), user: { id: victim.id } });
    const { me } = await new GatewayClient().withToken(owner.login!.accessToken).data<{ me: { id: string } }>(`{ me { id } }`);
    expect(me.id).toBe(victim.id);

    // Another account is not affected: its owner signs in from a new device.
    const elsewhere = await login({ email: other.email, password: other.password }, randomAddress());
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.login?.user.id).toBe(other.id);
  });

  it("counts guesses for an email nobody registered the same way, so refusals reveal no account", async () => {
    const email = `nobody-${randomUUID()}@localex.test`;
    await spendBudget(email);
    // Refused as a member's would be. The first wait is a second: on a loaded machine it may pass
    // before the next guess arrives, which is then checked (and counted) and the wait doubles.
    const answers: Answer[] = [];
    for (let i = 0; i < 4 && answers.at(-1)?.status !== 429; i++) answers.push(await login({ email, password: `one more guess ${i}` }, randomAddress()));
    expect(answers.slice(0, -1).map((a) => a.code)).toEqual(answers.slice(0, -1).map(() => "UNAUTHENTICATED"));
    expect(answers.at(-1)).toMatchObject({ status: 429, code: "RATE_LIMITED" });
  });

  it("limits guesses through one known device too, so a stolen device token is no way around the budget", async () => {
    const victim = await registerUser();
    const device = await ownersDevice(victim);
    const perDevice = inForce("LOGIN_PER_DEVICE").points;
    const guesses = await Promise.all(
      Array.from({ length: perDevice + 3 }, (_, i) =>
        login({ email: victim.email, password: `stolen device guess ${i}`, deviceToken: device }, randomAddress()),
      ),
    );
    const codes = guesses.map((g) => g.code);
    expect(codes.filter((c) => c === "UNAUTHENTICATED")).toHaveLength(perDevice);
    expect(codes.filter((c) => c === "RATE_LIMITED")).toHaveLength(3);
    // Those guesses were not the account's: the owner's other devices still sign in.
    const otherDevice = await login({ email: victim.email, password: victim.password }, randomAddress());
    expect(otherDevice.status).toBe(200);
    expect(otherDevice.login?.user.id).toBe(victim.id);
  });
});
