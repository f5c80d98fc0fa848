import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createEventBus, createLogger, loadConfig, startSubgraph, SubgraphDirectory, type RunningSubgraph, type SubgraphName } from "@localex/common";
import { startGateway, type RunningGateway } from "../../gateway/src/server.ts";
import { readSupergraph } from "../../packages/stack/src/composition.ts";
import { SUBGRAPHS } from "../../packages/stack/src/subgraphs.ts";
import { GatewayClient, REGISTER, registerUser, signInAdmin, type Registered } from "../harness/client.ts";
import { metricsUrlOf, sample, scrape } from "../harness/metrics.ts";
import { testGraphEnvironment } from "../harness/secrets.ts";

const anonymous = new GatewayClient();
const LOGIN = /* GraphQL */ `
  mutation Login($input: LoginInput!) { login(input: $input) { accessToken refreshToken user { id email } } }
`;
type LoggedIn = { login: { accessToken: string; refreshToken: string; user: { id: string; email: string } } };
const ME = /* GraphQL */ `{ me { id email displayName verified createdAt } }`;
type Me = { me: { id: string; email: string; displayName: string; verified: boolean; createdAt: string } | null };

function uniqueEmail() {
  return `someone-${randomUUID()}@localex.test`;
}

describe("register", () => {
  it("creates an account, normalises the email and signs the user in", async () => {
    const email = uniqueEmail();
    const res = await anonymous.request<Registered>(REGISTER, {
      input: { email: `  ${email.toUpperCase()} `, password: "correct horse battery", displayName: "  Ann   Lee " },
    });
    expect(res.errors).toBeUndefined();
    const { accessToken, refreshToken, user } = res.data!.register;
    expect(user).toMatchObject({ email, displayName: "Ann Lee", verified: false });
    expect(new Date(user.createdAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(accessToken.split(".")).toHaveLength(3);
    expect(refreshToken.length).toBeGreaterThan(30);

    const { me } = await anonymous.withToken(accessToken).data(ME);
    expect(me).toMatchObject({ id: user.id, email, displayName: "Ann Lee" });
  });

  it.each([
    ["a malformed email", { email: "not-an-email" }, "input.email", /email/i],
    ["an email with spaces inside", { email: "a b@example.org" }, "input.email", /email/i],
    ["a short password", { password: "short" }, "input.password", /at least 10/],
    ["an empty display name", { displayName: "   " }, "input.displayName", /empty/],
    ["an over-long display name", { displayName: "x".repeat(61) }, "input.displayName", /at most 60/],
    ["control characters in the display name", { displayName: "Ann\u0000" }, "input.displayName", /control/],
  ])("refuses %s, naming the field", async (_case, override, field, message) => {
    const input = { email: uniqueEmail(), password: "correct horse battery", displayName: "Ann", ...override };
    const res = await anonymous.request(REGISTER, { input });
    expect(res.data).toBeNull();
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
    expect(res.errors?.[0]?.message).toMatch(message);
  });

  it("refuses a duplicate email, whatever its case, and keeps the first account", async () => {
    const first = await registerUser();
    const res = await anonymous.request(REGISTER, {
      input: { email: first.email.toUpperCase(), password: "another password here", displayName: "Impostor" },
    });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.email" });
    expect(res.errors?.[0]?.message).toMatch(/already exists/);
    const login = await anonymous.request<LoggedIn>(LOGIN, { input: { email: first.email, password: first.password } });
    expect(login.data?.login.user.id).toBe(first.id);
  });

  it("creates exactly one account when the same registration races", async () => {
    const input = { email: uniqueEmail(), password: "correct horse battery", displayName: "Racer" };
    const results = await Promise.all(Array.from({ length: 5 }, () => anonymous.request(REGISTER, { input })));
    const ok = results.filter((r) => r.data?.register);
    expect(ok).toHaveLength(1);
    for (const r of results.filter((r) => !r.data?.register)) {
      expect(r.errors?.[0]?.extensions?.field).toBe("input.email");
    }
  });

  it("answers wrong argument types with a validation error, not a crash", async () => {
    const res = await anonymous.request(`mutation { register(input: { email: 42, password: true }) { accessToken } }`);
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });

  it("answers malformed GraphQL with a parse error", async () => {
    const res = await anonymous.request(`mutation { register(input: { `);
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.extensions?.code).toBe("GRAPHQL_PARSE_FAILED");
  });
});

describe("login", () => {
  it("signs in with the right password, whatever the email's case", async () => {
    const user = await registerUser();
    const res = await anonymous.request<LoggedIn>(LOGIN, { input: { email: user.email.toUpperCase(), password: user.password } });
    expect(res.data?.login.user).toEqual({ id: user.id, email: user.email });
    const { me } = await anonymous.withToken(res.data!.login.accessToken).data<Me>(ME);
    expect(me?.id).toBe(user.id);
  });

  it("refuses a wrong password and an unknown email with the same message", async () => {
    const user = await registerUser();
    const wrong = await anonymous.request(LOGIN, { input: { email: user.email, password: "not the password" } });
    const unknown = await anonymous.request(LOGIN, { input: { email: uniqueEmail(), password: user.password } });
    for (const res of [wrong, unknown]) {
      expect(res.data).toBeNull();
      expect(res.errors?.[0]).toMatchObject({
        message: "The email or password is wrong.",
        extensions: { code: "UNAUTHENTICATED" },
      });
    }
  });
});

describe("login input limits", () => {
  // As big as the gateway lets through (its body limit is 1 MiB): once, login took all of it.
  const HUGE = "x".repeat(512 * 1024);

  // Identity, and a gateway in front of it, in this test file's own process: its /metrics then
  // counts the password hashes of this file's requests alone. The shared graph's count moves with
  // every other test file's logins and registrations, so a difference there could not be ours.
  let identity: RunningSubgraph | undefined;
  let gateway: RunningGateway | undefined;
  let ownGateway: GatewayClient;
  beforeAll(async () => {
    // A small pool: it runs beside the shared graph on the same server (max_connections).
    const config = loadConfig({ ...testGraphEnvironment(), HOST: "127.0.0.1", SUBGRAPH_HOST: "127.0.0.1", DATABASE_POOL_SIZE: "2" });
    const log = createLogger("silent");
    const events = createEventBus(undefined, "register-login:");
    const directory = new SubgraphDirectory();
    for (const [name, url] of Object.entries(inject("subgraphUrls"))) directory.set(name as SubgraphName, url);
    // Without its job workers: the shared graph runs those.
    const module = SUBGRAPHS.find((m) => m.name === "identity")!;
    identity = await startSubgraph({ ...module, startBackground: undefined }, { config, databaseUrl: inject("databaseUrl"), log, events, directory }, 0);
    gateway = await startGateway({
      config,
      log,
      supergraphSdl: await readSupergraph(),
      subgraphUrls: { ...(inject("subgraphUrls") as Partial<Record<SubgraphName, string>>), identity: identity.url },
      port: 0,
      events,
    });
    ownGateway = new GatewayClient(gateway.url);
  });
  afterAll(async () => {
    await gateway?.stop();
    await identity?.stop();
  });

  /** Passwords hashed or checked (argon2) by this file's own identity so far. */
  async function passwordHashes(): Promise<number> {
    const samples = await scrape(metricsUrlOf(identity!.url));
    return sample(samples, "localex_password_hashes_total", { operation: "hash" }) + sample(samples, "localex_password_hashes_total", { operation: "verify" });
  }

  it.each([
    ["a 512 KiB email", { email: `${HUGE}@example.org` }, "input.email", "Email must be at most 254 characters."],
    ["a 255-character email", { email: `${"a".repeat(243)}@example.org` }, "input.email", "Email must be at most 254 characters."],
    ["control characters in the email", { email: "ann\u0000@example.org" }, "input.email", "Email must not contain control characters."],
    ["an empty email", { email: "   " }, "input.email", "Email must not be empty."],
    ["a 512 KiB password", { password: HUGE }, "input.password", "Password must be at most 256 characters."],
    ["a 257-character password", { password: "p".repeat(257) }, "input.password", "Password must be at most 256 characters."],
  ])("refuses %s before hashing it, naming the field", async (_case, override, field, message) => {
    const user = await registerUser();
    const login = (input: { email: string; password: string }) => ownGateway.request<LoggedIn>(LOGIN, { input });
    // Control: a well-formed attempt is checked with argon2, and the count shows it (exactly once).
    const before = await passwordHashes();
    expect((await login({ email: user.email, password: "not the password" })).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(await passwordHashes()).toBe(before + 1);

    const res = await login({ email: user.email, password: user.password, ...override });
    expect(res.data).toBeNull();
    expect(res.errors?.[0]).toMatchObject({ message, extensions: { code: "BAD_USER_INPUT", field } });
    // Refused input is not a failed guess: the right password still signs in after many of them.
    for (let i = 0; i < 11; i++) await login({ email: user.email, password: user.password, ...override });
    // None of the twelve refused attempts reached argon2.
    expect(await passwordHashes()).toBe(before + 1);
    expect((await login({ email: user.email, password: user.password })).data?.login.user.id).toBe(user.id);
    expect(await passwordHashes()).toBe(before + 2);
  });

  it("still signs in with an email of exactly 254 and a password of exactly 256 characters", async () => {
    const email = `${"a".repeat(242)}@example.org`;
    expect(email).toHaveLength(254);
    // Unverified: a 254-character address makes a mail file name longer than the file system allows.
    const user = await registerUser({ email, password: "p".repeat(256), verify: false });
    const res = await anonymous.request<LoggedIn>(LOGIN, { input: { email, password: "p".repeat(256) } });
    expect(res.data?.login.user.id).toBe(user.id);
  });
});

describe("me and user", () => {
  it("me is null when signed out", async () => {
    expect(await anonymous.data(ME)).toEqual({ me: null });
  });

  it("shows an email to its owner only; others see the public profile", async () => {
    const alice = await registerUser({ displayName: "Alice" });
    const bob = await registerUser({ displayName: "Bob" });
    const query = `query ($id: ID!) { user(id: $id) { id displayName email role } }`;
    type Profile = { user: { id: string; displayName: string; email: string | null; role: string | null } };
    const asBob = await bob.client.data<Profile>(query, { id: alice.id });
    expect(asBob.user).toEqual({ id: alice.id, displayName: "Alice", email: null, role: null });
    const asAnonymous = await anonymous.data<Profile>(query, { id: alice.id });
    expect(asAnonymous.user.email).toBeNull();
    const asAlice = await alice.client.data<Profile>(query, { id: alice.id });
    expect(asAlice.user).toMatchObject({ email: alice.email, role: "USER" });
  });

  it("shows every email to an admin", async () => {
    const alice = await registerUser();
    const admin = await signInAdmin();
    const { user } = await admin.data(`query ($id: ID!) { user(id: $id) { email role } }`, { id: alice.id });
    expect(user).toEqual({ email: alice.email, role: "USER" });
  });

  it("returns null for an unknown or malformed id", async () => {
    const query = `query ($id: ID!) { user(id: $id) { id } }`;
    expect((await anonymous.data(query, { id: randomUUID() })).user).toBeNull();
    expect((await anonymous.data(query, { id: "not-a-uuid" })).user).toBeNull();
  });
});

describe("updateProfile", () => {
  const UPDATE = `mutation ($input: UpdateProfileInput!) { updateProfile(input: $input) { user { id displayName } errors { code field message } } }`;
  type Updated = { updateProfile: { user: { id: string; displayName: string } | null; errors: { code: string; field: string | null; message: string }[] } };

  it("changes the display name", async () => {
    const user = await registerUser();
    const { updateProfile } = await user.client.data<Updated>(UPDATE, { input: { displayName: "Renamed" } });
    expect(updateProfile).toEqual({ user: { id: user.id, displayName: "Renamed" }, errors: [] });
    expect((await user.client.data<Me>(ME)).me?.displayName).toBe("Renamed");
  });

  it("returns a bad display name as an error naming the field, and changes nothing", async () => {
    const user = await registerUser({ displayName: "Original" });
    const { updateProfile } = await user.client.data<Updated>(UPDATE, { input: { displayName: "" } });
    expect(updateProfile.user).toBeNull();
    expect(updateProfile.errors).toEqual([{ code: "INVALID_INPUT", field: "input.displayName", message: "Display name must not be empty." }]);
    expect((await user.client.data<Me>(ME)).me?.displayName).toBe("Original");
  });

  it("requires a signed-in user", async () => {
    const res = await anonymous.request(UPDATE, { input: { displayName: "x" } });
    expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });
});

describe("password guessing", () => {
  it("locks an email out after 10 wrong passwords, even for the right one, and says when to retry", async () => {
    const user = await registerUser();
    for (let i = 0; i < 10; i++) {
      const res = await anonymous.request<LoggedIn>(LOGIN, { input: { email: user.email, password: `guess number ${i}` } });
      expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    }
    const locked = await anonymous.request(LOGIN, { input: { email: user.email, password: user.password } });
    expect(locked.errors?.[0]?.extensions).toMatchObject({ code: "RATE_LIMITED" });
    expect(locked.errors?.[0]?.message).toMatch(/Try again in \d+ seconds/);
  });

  it("forgets earlier failures after a successful login", async () => {
    const user = await registerUser();
    for (let i = 0; i < 9; i++) await anonymous.request(LOGIN, { input: { email: user.email, password: "wrong password!" } });
    expect((await anonymous.request(LOGIN, { input: { email: user.email, password: user.password } })).data?.login).toBeTruthy();
    for (let i = 0; i < 9; i++) await anonymous.request(LOGIN, { input: { email: user.email, password: "wrong password!" } });
    expect((await anonymous.request(LOGIN, { input: { email: user.email, password: user.password } })).data?.login).toBeTruthy();
  });
});
