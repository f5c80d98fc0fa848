// Email verification through the gateway: registration mails a signed, expiring link (read here
// from the run's SMTP server, as the member would read it); verifyEmail works once and starts the
// welcome grant; a replayed, expired, forged or foreign token is refused with its own code and
// changes nothing; a new link can be asked for, a few times an hour.
import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import postgres from "postgres";
import { afterAll, describe, expect, inject, it } from "vitest";
import { signVerificationToken } from "../../subgraphs/identity/src/users/email-verification.ts";
import { GatewayClient, mailTo, REGISTER, registerUser, verificationToken, VERIFY_EMAIL, type TestUser } from "../harness/client.ts";
import { eventually } from "../harness/eventually.ts";
import { untilNoJobFor } from "../harness/jobs.ts";
import { TEST_JWT_SECRET } from "../harness/secrets.ts";

const anonymous = new GatewayClient();
const ME = `{ me { id emailVerified verified account { balance } } }`;
const RESEND = `mutation { resendVerificationEmail { sent errors { code message field } } }`;
type Resent = { resendVerificationEmail: { sent: boolean; errors: { code: string; message: string; field: string | null }[] } };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Verify = { verifyEmail: { user: { id: string; emailVerified: boolean } | null; errors: { code: string; message: string; field: string | null }[] } };
const verify = (token: string, client: GatewayClient = anonymous) => client.data<Verify>(VERIFY_EMAIL, { token });

// `verified` is the documents check (issue 12), never the address: it stays false here.
async function me(user: TestUser): Promise<{ emailVerified: boolean; balance: number }> {
  const { me } = await user.client.data<{ me: { emailVerified: boolean; verified: boolean; account: { balance: number } } }>(ME);
  expect(me.verified).toBe(false);
  return { emailVerified: me.emailVerified, balance: me.account.balance };
}

const db = postgres(inject("databaseUrl"), { max: 1, onnotice: () => {} });
afterAll(() => db.end());

const untilNoJob = (task: string | null, userId: string) => untilNoJobFor(db, userId, task);
const untilNoGrantPending = (user: TestUser) => untilNoJob("ledger:welcome-grant", user.id);

/** The welcome credits arrive by a job: poll for them. */
async function untilBalance(user: TestUser, balance: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await me(user)).balance === balance) return;
    await sleep(50);
  }
  throw new Error(`the balance of ${user.id} did not reach ${balance}: ${JSON.stringify(await me(user))}`);
}

function expectRefused(result: Verify, code: string) {
  expect(result.verifyEmail.user).toBeNull();
  expect(result.verifyEmail.errors).toHaveLength(1);
  expect(result.verifyEmail.errors[0]).toMatchObject({ code, field: "token" });
  expect(result.verifyEmail.errors[0]!.message.length).toBeGreaterThan(10);
}

describe("registration and the verification email", () => {
  it("mails a link under PUBLIC_APP_URL with a token; no credits until the address is verified", async () => {
    const user = await registerUser({ verify: false, displayName: "Vera" });
    const token = await verificationToken(user.email);
    const [mail] = (await mailTo(user.email)).filter((m) => /confirm your email/i.test(m.subject));
    expect(mail!.subject).toBe("Confirm your email address");
    expect(mail!.raw.replace(/=\r?\n/g, "").replace(/=3D/gi, "=")).toContain(`http://localhost:3000/verify-email?token=${token}`);
    // Nothing is granted on registration: no grant is waiting, and none has been paid.
    await untilNoGrantPending(user);
    expect(await me(user)).toEqual({ emailVerified: false, balance: 0 });
  });

  it("verifies once, signed out, and the welcome credits (100) follow", async () => {
    const user = await registerUser({ verify: false });
    const token = await verificationToken(user.email);
    const result = await verify(token);
    expect(result.verifyEmail).toEqual({ user: { id: user.id, emailVerified: true }, errors: [] });
    await untilBalance(user, 100);
    expect((await me(user)).emailVerified).toBe(true);
  });

  it("refuses the same link again as used, and grants nothing twice", async () => {
    const user = await registerUser({ verify: false });
    const token = await verificationToken(user.email);
    expect((await verify(token, user.client)).verifyEmail.errors).toEqual([]);
    await untilBalance(user, 100);
    const again = await verify(token, user.client);
    expectRefused(again, "VERIFICATION_TOKEN_USED");
    expect(again.verifyEmail.errors[0]!.message).toMatch(/already used/);
    await untilNoGrantPending(user);
    expect(await me(user)).toEqual({ emailVerified: true, balance: 100 });
  });

  it("lets exactly one of several racing uses of a link win; the balance is 100, not more", async () => {
    const user = await registerUser({ verify: false });
    const token = await verificationToken(user.email);
    const results = await Promise.all(Array.from({ length: 5 }, () => verify(token)));
    expect(results.filter((r) => r.verifyEmail.user?.emailVerified)).toHaveLength(1);
    for (const r of results.filter((r) => !r.verifyEmail.user)) expectRefused(r, "VERIFICATION_TOKEN_USED");
    await untilBalance(user, 100);
    await untilNoGrantPending(user);
    expect((await me(user)).balance).toBe(100);
  });

  it("refuses an expired link as expired, and leaves the member unverified with nothing granted", async () => {
    const user = await registerUser({ verify: false });
    const { token } = await signVerificationToken(TEST_JWT_SECRET, { userId: user.id, email: user.email }, 3600, Date.now() - 2 * 3600_000);
    const result = await verify(token);
    expectRefused(result, "VERIFICATION_TOKEN_EXPIRED");
    expect(result.verifyEmail.errors[0]!.message).toMatch(/expired/);
    expect(await me(user)).toEqual({ emailVerified: false, balance: 0 });
    // The mailed link still works.
    expect((await verify(await verificationToken(user.email))).verifyEmail.errors).toEqual([]);
    await untilBalance(user, 100);
  });

  it.each([
    ["garbage", () => "not-a-token"],
    ["an empty token", () => ""],
    ["a 512 KiB token", () => "x".repeat(512 * 1024)],
    [
      "a token signed with another key",
      (u: TestUser) => signVerificationToken("another-secret-0123456789abcdef0123456789", { userId: u.id, email: u.email }, 3600).then((t) => t.token),
    ],
    ["the member's access token", (u: TestUser) => u.accessToken],
    [
      "a token signed with the JWT secret itself, as an access token is",
      (u: TestUser) =>
        new SignJWT({ email: u.email })
          .setProtectedHeader({ alg: "HS256" })
          .setSubject(u.id)
          .setIssuer("localex-identity")
          .setAudience("localex-email-verification")
          .setExpirationTime("1h")
          .sign(new TextEncoder().encode(TEST_JWT_SECRET)),
    ],
    [
      "a token whose payload names another member",
      async (u: TestUser) => {
        const real = await verificationToken(u.email);
        const [header, , signature] = real.split(".");
        const payload = Buffer.from(JSON.stringify({ sub: randomUUID(), email: u.email, exp: Math.floor(Date.now() / 1000) + 3600 })).toString("base64url");
        return `${header}.${payload}.${signature}`;
      },
    ],
    [
      "a genuine token for an address the account no longer has",
      (u: TestUser) => signVerificationToken(TEST_JWT_SECRET, { userId: u.id, email: `old-${u.email}` }, 3600).then((t) => t.token),
    ],
  ])("refuses %s as invalid, and changes nothing", async (_case, make) => {
    const user = await registerUser({ verify: false });
    const result = await verify(await make(user));
    expectRefused(result, "VERIFICATION_TOKEN_INVALID");
    expect(await me(user)).toEqual({ emailVerified: false, balance: 0 });
  });
});

describe("the verification email under load", () => {
  it("reaches a new member ahead of a flood of queued notifications", async () => {
    // 1 500 notifications for one member, queued before the newcomer registers: what a busy hour
    // of transfers leaves on identity's queue.
    const busy = await registerUser({ verify: false });
    const flood = await db<{ id: string }[]>`
      select (graphile_worker.add_job('identity:notify', json_build_object(
        'userId', ${busy.id}::text, 'kind', 'CREDITS_RECEIVED', 'key', 'flood:' || ${randomUUID()}::text || ':' || n, 'details', json_build_object('amount', 1)
      ))).id::text as id from generate_series(1, 1500) n`;
    const queued = async () =>
      (await db<{ n: number }[]>`select count(*)::int as n from graphile_worker.jobs where id = any(${flood.map((f) => f.id)}::bigint[])`)[0]!.n;
    try {
      const newcomer = await registerUser({ verify: false });
      await verificationToken(newcomer.email, { timeoutMs: 15_000 });
      // The mail came while most of the flood still waited: it went ahead, not after.
      expect(await queued()).toBeGreaterThan(500);
    } finally {
      await db`select graphile_worker.complete_jobs(${flood.map((f) => f.id)}::bigint[])`;
    }
    // The few already running finish on their own.
    await eventually("the flood to leave the queue", queued, (n) => n === 0);
  }, 60_000);
});

describe("resendVerificationEmail", () => {
  it("mails a new link that verifies; the credits still come once", async () => {
    const user = await registerUser({ verify: false });
    await verificationToken(user.email);
    const sent = await user.client.data<{ resendVerificationEmail: { sent: boolean; errors: unknown[] } }>(RESEND);
    expect(sent.resendVerificationEmail).toEqual({ sent: true, errors: [] });
    const second = await verificationToken(user.email, { after: 1 });
    expect((await verify(second)).verifyEmail.errors).toEqual([]);
    await untilBalance(user, 100);
    // The first link is spent too: the address is verified.
    expectRefused(await verify(await verificationToken(user.email)), "VERIFICATION_TOKEN_USED");
    expect((await me(user)).balance).toBe(100);
  });

  it("says there is nothing to verify for a verified member, and sends nothing", async () => {
    const user = await registerUser();
    // The member's mail first settles (the link, then the welcome credits' notice), so that
    // anything the refused request sent would be the only difference.
    await untilNoJob(null, user.id);
    const before = await mailTo(user.email);
    expect(before.filter((m) => /confirm/i.test(m.subject))).toHaveLength(1);
    const { resendVerificationEmail } = await user.client.data(RESEND);
    expect(resendVerificationEmail).toEqual({
      sent: false,
      errors: [{ code: "ALREADY_VERIFIED", message: "Your email address is already verified.", field: null }],
    });
    await untilNoJob(null, user.id);
    expect(await mailTo(user.email)).toEqual(before);
  });

  it("(control for the test above) shows a resent link in the mailbox once no job for the member is left", async () => {
    const user = await registerUser({ verify: false });
    await untilNoJob(null, user.id);
    const before = await mailTo(user.email);
    expect(before.map((m) => m.subject)).toEqual(["Confirm your email address"]);
    expect((await user.client.data<Resent>(RESEND)).resendVerificationEmail).toEqual({ sent: true, errors: [] });
    // Read once, not polled: the same wait the test above relies on is enough to see a mail.
    await untilNoJob(null, user.id);
    const after = await mailTo(user.email);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.slice(before.length).map((m) => m.subject)).toEqual(["Confirm your email address"]);
  });

  it("is allowed 5 times an hour, then refused with RATE_LIMITED and when to retry", async () => {
    const user = await registerUser({ verify: false });
    for (let i = 0; i < 5; i++) expect((await user.client.data<Resent>(RESEND)).resendVerificationEmail.sent).toBe(true);
    const limited = await user.client.request(RESEND);
    expect(limited.errors?.[0]?.extensions).toMatchObject({ code: "RATE_LIMITED" });
    expect(limited.errors?.[0]?.message).toMatch(/Try again in \d+ seconds/);
  });

  it("requires a signed-in member", async () => {
    const res = await anonymous.request(RESEND);
    expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });
});

describe("register", () => {
  it("still says when an email is taken (members need the message)", async () => {
    const user = await registerUser({ verify: false });
    const res = await anonymous.request(REGISTER, { input: { email: user.email, password: "another password", displayName: "Again" } });
    expect(res.errors?.[0]).toMatchObject({
      message: "An account with this email already exists.",
      extensions: { code: "BAD_USER_INPUT", field: "input.email" },
    });
  });
});

// One welcome grant per mailbox (users/canonical-email.ts): a plus-address, or a Gmail address
// with dots or at googlemail.com, reaches the same inbox, so it is not a new member's grant.
describe("one welcome grant per mailbox", () => {
  /** A fresh mailbox name, so this run's addresses meet no one else's. */
  const mailbox = () => `farm${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  /** Verified, and the grant (if any) has run: the balance is final. */
  async function verifiedBalance(user: TestUser): Promise<number> {
    await untilNoGrantPending(user);
    return (await me(user)).balance;
  }

  it("grants nothing to a plus-address or a dotted or googlemail.com Gmail address of a mailbox already granted; a different person's address is granted", async () => {
    const name = mailbox();
    const first = await registerUser({ email: `${name}@gmail.com` });
    await eventually(
      "the first address's welcome grant",
      () => me(first),
      (m) => m.balance === 100,
    );
    const again = await Promise.all(
      [`${name}+farm1@gmail.com`, `${name.slice(0, 2)}.${name.slice(2, 6)}.${name.slice(6)}@gmail.com`, `${name.toUpperCase()}+2@GoogleMail.com`].map((email) =>
        registerUser({ email }),
      ),
    );
    for (const user of again) {
      expect(await me(user), user.email).toMatchObject({ emailVerified: true });
      expect(await verifiedBalance(user), user.email).toBe(0);
    }

    // Any domain: the +tag is dropped, dots kept.
    const other = mailbox();
    const plain = await registerUser({ email: `${other}@localex.test` });
    const tagged = await registerUser({ email: `${other}+second@localex.test` });
    expect([await verifiedBalance(plain), await verifiedBalance(tagged)]).toEqual([100, 0]);

    // Positive controls: different people, on the same domains, each get their grant.
    const people = await Promise.all([registerUser({ email: `${mailbox()}@gmail.com` }), registerUser({ email: `${other}.x@localex.test` })]);
    for (const person of people)
      await eventually(
        `${person.email}'s welcome grant`,
        () => me(person),
        (m) => m.balance === 100,
      );
  }, 60_000);

  it("grants one of two addresses of one mailbox verified at the same moment", async () => {
    const name = mailbox();
    const [a, b] = await Promise.all([
      registerUser({ email: `${name}+a@gmail.com`, verify: false }),
      registerUser({ email: `${name.slice(0, 3)}.${name.slice(3)}+b@gmail.com`, verify: false }),
    ]);
    const tokens = await Promise.all([verificationToken(a.email), verificationToken(b.email)]);
    const results = await Promise.all(tokens.map((token) => verify(token)));
    expect(results.map((r) => r.verifyEmail.errors)).toEqual([[], []]);
    expect([await verifiedBalance(a), await verifiedBalance(b)].sort((x, y) => x - y)).toEqual([0, 100]);
  });
});
