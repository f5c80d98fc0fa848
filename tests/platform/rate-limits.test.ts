import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { RATE_LIMIT_RULES, rateRule, type RateLimitName } from "@localex/common";
import WebSocket from "ws";
import { TEST_RATE_LIMITS } from "../harness/secrets.ts";
import { GatewayClient, randomAddress, registerUser, wsClient, wsOnce, type GraphQLResponse, type TestUser } from "../harness/client.ts";
import { Subscription } from "../harness/subscription.ts";
import { fundedUser } from "../ledger/helpers.ts";
import { proposed } from "../trades/helpers.ts";

// The graph under test runs on the development defaults (NODE_ENV=test) and the harness's own.
const inForce = (name: RateLimitName) => rateRule(name, { NODE_ENV: "test", ...TEST_RATE_LIMITS });
const limit = (name: RateLimitName) => inForce(name).points;

/** Sends `count` requests, 20 at a time, and returns their answers in order. */
async function send(count: number, request: (i: number) => Promise<Response | GraphQLResponse>) {
  const answers: (Response | GraphQLResponse)[] = [];
  for (let i = 0; i < count; i += 20) {
    answers.push(...(await Promise.all(Array.from({ length: Math.min(20, count - i) }, (_, j) => request(i + j)))));
  }
  return answers;
}

/**
 * A raw POST, to read the status and Retry-After that GatewayClient does not keep; `from` is the
 * client's address (X-Forwarded-For, which the test graph trusts from loopback: TRUST_PROXY).
 */
async function post(user: TestUser | null, query: string, variables: Record<string, unknown>, from?: string) {
  const response = await fetch(new GatewayClient().url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(user ? { authorization: `Bearer ${user.accessToken}` } : {}),
      ...(from ? { "x-forwarded-for": from } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: unknown; errors?: { message: string; extensions?: { code?: string; retryAfterSeconds?: number } }[] };
  return { status: response.status, retryAfter: response.headers.get("retry-after"), body };
}

const TRANSFER = `mutation ($input: TransferInput!, $key: String!) { transferCredits(input: $input, idempotencyKey: $key) { errors { code } } }`;
const PROPOSE = `mutation ($input: ProposeTradeInput!, $key: String!) { proposeTrade(input: $input, idempotencyKey: $key) { errors { code } } }`;
const CREATE_LISTING = `mutation ($input: CreateListingInput!) { createListing(input: $input) { errors { code } } }`;
const CREATE_UPLOAD = `mutation ($input: CreateUploadInput!) { createUpload(input: $input) { upload { media { id } } errors { code } } }`;
const SEARCH = `query ($q: String!) { search(query: $q, first: 1) { totalCount } }`;
const MEMBERS = `query ($q: String!) { members(query: $q, first: 1) { totalCount } }`;
const SEND_MESSAGE = `mutation ($tradeId: ID!, $body: String!) { sendTradeMessage(tradeId: $tradeId, body: $body) { errors { code } } }`;

/**
 * Each per-member limit: the member's requests up to the limit are answered (refusals of the
 * input included: a limit counts attempts, before anything is checked), the next one gets HTTP
 * 429 with Retry-After and RATE_LIMITED, and another member is not affected.
 */
const perMember: { name: RateLimitName; what: string; query: string; variables: (other: TestUser, i: number) => Record<string, unknown> }[] = [
  {
    name: "MONEY_PER_ACCOUNT",
    what: "transferCredits",
    query: TRANSFER,
    variables: (other) => ({ input: { toUserId: other.id, amount: 0 }, key: randomUUID() }),
  },
  {
    name: "PROPOSE_TRADE_PER_ACCOUNT",
    what: "proposeTrade",
    query: PROPOSE,
    variables: () => ({ input: { recipientId: randomUUID(), offeredCredits: 1 }, key: randomUUID() }),
  },
  { name: "TRADE_MESSAGE_PER_ACCOUNT", what: "sendTradeMessage", query: SEND_MESSAGE, variables: () => ({ tradeId: randomUUID(), body: "hello" }) },
  {
    name: "CREATE_LISTING_PER_ACCOUNT",
    what: "createListing",
    query: CREATE_LISTING,
    variables: () => ({ input: { title: "", description: "", categoryId: randomUUID(), condition: "GOOD" } }),
  },
  {
    name: "UPLOAD_PER_ACCOUNT",
    what: "createUpload",
    query: CREATE_UPLOAD,
    variables: () => ({ input: { filename: "x.exe", contentType: "application/x-msdownload", byteSize: 10, purpose: "AVATAR" } }),
  },
  { name: "SEARCH_PER_CLIENT", what: "search", query: SEARCH, variables: (_, i) => ({ q: `rate ${i}` }) },
  { name: "MEMBER_LOOKUP_PER_CLIENT", what: "members", query: MEMBERS, variables: (_, i) => ({ q: `rate ${i}` }) },
];

describe("rate limits per member", () => {
  it.each(perMember)(
    "$what: $name, then 429 with Retry-After; another member goes on",
    async ({ name, query, variables }) => {
      const [member, other] = await Promise.all([registerUser(), registerUser()]);
      const n = limit(name);
      const within = await send(n, (i) => post(member, query, variables(other, i)) as never);
      for (const answer of within as unknown as Awaited<ReturnType<typeof post>>[]) {
        expect(answer.status).toBe(200);
        expect(answer.body.errors?.find((e) => e.extensions?.code === "RATE_LIMITED")).toBeUndefined();
      }
      const over = await post(member, query, variables(other, n));
      expect(over.status).toBe(429);
      expect(Number(over.retryAfter)).toBeGreaterThan(0);
      expect(Number(over.retryAfter)).toBeLessThanOrEqual(inForce(name).windowSeconds);
      expect(over.body.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
      expect(over.body.errors?.[0]?.message).toMatch(/Try again in \d+ seconds/);
      // The limit is the member's own: someone else is answered.
      const control = await post(other, query, variables(member, 0));
      expect(control.status).toBe(200);
    },
    90_000,
  ); // a limit's worth of requests first: more than 30 s on a loaded 2-core machine

  it("says RATE_LIMITED over WebSocket too, for the same member and the same limit", async () => {
    const [member, other] = await Promise.all([registerUser(), registerUser()]);
    await send(limit("MONEY_PER_ACCOUNT"), () => post(member, TRANSFER, { input: { toUserId: other.id, amount: 0 }, key: randomUUID() }) as never);
    const client = wsClient(member.accessToken);
    try {
      const result = await wsOnce(client, TRANSFER, { input: { toUserId: other.id, amount: 1 }, key: randomUUID() });
      expect(result.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
    } finally {
      await client.dispose();
    }
  });

  it("limits subscriptions started per member, with an error on the socket that stays open", async () => {
    const [member, other] = await Promise.all([fundedUser(), registerUser()]);
    // A trade of the member's own: a subscription to it by id answers with its current state at
    // once, so each start's outcome is what the server says, accepted or refused, never a timer.
    const trade = await proposed(member, { recipientId: other.id, offeredCredits: 1 });
    const client = wsClient(member.accessToken);
    /** Starts one subscription and waits for the server's answer: "ACCEPTED" or the refusal's code; then ends it (the limit counts starts, not open ones). */
    const subscribeOnce = async (): Promise<string> => {
      const sub = new Subscription<{ tradeUpdated: { id: string } }>(client, `subscription ($id: ID) { tradeUpdated(id: $id) { id } }`, { id: trade.id });
      try {
        // A refusal ends the subscription with the error (until throws then); a timeout still throws.
        await sub
          .until(() => true, "the server's answer to a start")
          .catch((e: unknown) => {
            if (!sub.ended) throw e;
          });
        if (sub.results[0]?.data?.tradeUpdated.id === trade.id) return "ACCEPTED";
        const errors = (sub.ended?.error ?? sub.results[0]?.errors) as { extensions?: { code?: string } }[] | undefined;
        return errors?.[0]?.extensions?.code ?? JSON.stringify({ results: sub.results, ended: sub.ended });
      } finally {
        sub.dispose();
      }
    };
    try {
      const n = limit("SUBSCRIBE_PER_CLIENT");
      const codes: string[] = [];
      // Ten at a time: well within the 25 a connection may hold open.
      for (let i = 0; i < n; i += 10) codes.push(...(await Promise.all(Array.from({ length: Math.min(10, n - i) }, () => subscribeOnce()))));
      expect(codes).toEqual(Array.from({ length: n }, () => "ACCEPTED"));
      expect(await subscribeOnce()).toBe("RATE_LIMITED");
      // The socket is still usable for queries.
      expect((await wsOnce(client, `{ me { id } }`)).data).toEqual({ me: { id: member.id } });
    } finally {
      await client.dispose();
    }
  });
});

const REGISTER = `mutation ($input: RegisterInput!) { register(input: $input) { user { id } } }`;
const LOGIN = `mutation ($input: LoginInput!) { login(input: $input) { accessToken } }`;
const REFRESH = `mutation ($t: String!) { refreshSession(refreshToken: $t) { refreshToken } }`;
const member = (email = `rl-${randomUUID()}@localex.test`) => ({ email, password: "correct horse battery", displayName: "Rate" });

describe("rate limits per address and per session", () => {
  it("limits registrations per address, counting refused attempts too; another address registers", async () => {
    const from = randomAddress();
    const n = limit("REGISTER_PER_ADDRESS");
    // Attempts that fail validation count (cheap to send, and probing which emails exist is as limited).
    const within = (await send(n, () => post(null, REGISTER, { input: { ...member(), password: "short" } }, from) as never)) as unknown as Awaited<
      ReturnType<typeof post>
    >[];
    expect(within.every((a) => a.status === 200 && a.body.errors?.[0]?.extensions?.code === "BAD_USER_INPUT")).toBe(true);
    const over = await post(null, REGISTER, { input: member() }, from);
    expect(over.status).toBe(429);
    expect(over.body.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
    expect(Number(over.retryAfter)).toBeGreaterThan(0);
    const elsewhere = await post(null, REGISTER, { input: member() }, randomAddress());
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.body.errors).toBeUndefined();
  });

  it("counts a login attempt before checking it: of concurrent guesses only the limit is checked", async () => {
    const victim = await registerUser();
    const from = randomAddress();
    const n = limit("LOGIN_PER_EMAIL_AND_ADDRESS");
    const guesses = await Promise.all(
      Array.from({ length: n + 5 }, (_, i) => post(null, LOGIN, { input: { email: victim.email, password: `guess number ${i}` } }, from)),
    );
    const codes = guesses.map((g) => g.body.errors?.[0]?.extensions?.code);
    expect(codes.filter((c) => c === "UNAUTHENTICATED")).toHaveLength(n);
    expect(codes.filter((c) => c === "RATE_LIMITED")).toHaveLength(5);
    // From that address even the right password waits now...
    expect((await post(null, LOGIN, { input: { email: victim.email, password: victim.password } }, from)).status).toBe(429);
    // ...but the owner, from their own address, is never locked out by a stranger's failures.
    const owner = await post(null, LOGIN, { input: { email: victim.email, password: victim.password } }, randomAddress());
    expect(owner.status).toBe(200);
    expect(owner.body.data).toMatchObject({ login: { accessToken: expect.any(String) } });
  });

  it("limits refreshes per session", async () => {
    const user = await registerUser();
    let token = user.refreshToken;
    for (let i = 0; i < limit("REFRESH_PER_SESSION"); i++) {
      const res = await post(null, REFRESH, { t: token });
      expect(res.body.errors).toBeUndefined();
      token = (res.body.data as { refreshSession: { refreshToken: string } }).refreshSession.refreshToken;
    }
    const over = await post(null, REFRESH, { t: token });
    expect(over.status).toBe(429);
    expect(over.body.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
  });

  it("refuses new WebSocket connections over the limit at the upgrade, with 429 and Retry-After", async () => {
    const from = randomAddress();
    const url = new GatewayClient().url.replace(/^http/, "ws");
    const open = () =>
      new Promise<{ status: number; retryAfter?: string }>((resolve) => {
        const ws = new WebSocket(url, "graphql-transport-ws", { headers: { "x-forwarded-for": from } });
        ws.on("open", () => {
          ws.close();
          resolve({ status: 101 });
        });
        ws.on("unexpected-response", (_req, res) => {
          resolve({ status: res.statusCode ?? 0, retryAfter: res.headers["retry-after"] as string | undefined });
          res.resume();
        });
        ws.on("error", () => {});
      });
    const opened: { status: number }[] = [];
    for (let i = 0; i < limit("WS_CONNECT_PER_ADDRESS"); i += 50) opened.push(...(await Promise.all(Array.from({ length: 50 }, open))));
    expect(opened.every((o) => o.status === 101)).toBe(true);
    const over = await open();
    expect(over.status).toBe(429);
    expect(Number(over.retryAfter)).toBeGreaterThan(0);
    // Another address connects.
    const client = wsClient((await registerUser()).accessToken);
    try {
      expect((await wsOnce(client, `{ me { id } }`)).data?.me).toBeTruthy();
    } finally {
      await client.dispose();
    }
  });
});

describe("rate-limit configuration", () => {
  it("lists every limit with production defaults tighter than development's", () => {
    for (const name of Object.keys(RATE_LIMIT_RULES) as RateLimitName[]) {
      const production = rateRule(name, { NODE_ENV: "production" });
      const development = rateRule(name, { NODE_ENV: "development" });
      expect(production.points / production.windowSeconds, name).toBeLessThanOrEqual(development.points / development.windowSeconds);
    }
    expect(rateRule("REGISTER_PER_ADDRESS", { NODE_ENV: "development" }).points).toBeGreaterThanOrEqual(300); // a test suite's few hundred members
    // .env.example lists each, with both defaults as the rules have them.
    const example = readFileSync(new URL("../../.env.example", import.meta.url), "utf8");
    for (const [name, rule] of Object.entries(RATE_LIMIT_RULES)) {
      expect(example, name).toMatch(
        new RegExp(`RATE_LIMIT_${name}=${rule.development.replace("/", "\\/")} +# production ${rule.production.replace("/", "\\/")}\\b`),
      );
    }
    expect(rateRule("MONEY_PER_ACCOUNT", { NODE_ENV: "production", RATE_LIMIT_MONEY_PER_ACCOUNT: "3/10" })).toEqual({
      name: "MONEY_PER_ACCOUNT",
      points: 3,
      windowSeconds: 10,
    });
  });
});
