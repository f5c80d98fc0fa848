// What a front-end does: POST GraphQL over HTTP to the gateway, and speak graphql-ws to it.
import { randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { createClient, type Client, type FormattedExecutionResult } from "graphql-ws";
import { inject } from "vitest";
import WebSocket from "ws";
import { setRoleOn } from "../../subgraphs/identity/src/users/roles.ts";
import { eventually } from "./eventually.ts";
import { mailIn, type ReceivedMail } from "./mail-server.ts";

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export class GatewayClient {
  constructor(
    readonly url: string = inject("gatewayUrl"),
    readonly token?: string,
  ) {}

  withToken(token: string | undefined): GatewayClient {
    return new GatewayClient(this.url, token);
  }

  async request<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    headers: Record<string, string> = {},
  ): Promise<GraphQLResponse<T>> {
    const response = await fetch(this.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...headers,
      },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as Omit<GraphQLResponse<T>, "status">;
    return { status: response.status, ...body };
  }

  /** Like request, but fails the test on any GraphQL error. */
  async data<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<T> {
    const res = await this.request<T>(query, variables);
    if (res.errors?.length || !res.data) {
      // Without errors the whole answer says why (the gateway's value-completion report, an HTTP refusal).
      throw new Error(`GraphQL errors (HTTP ${res.status}): ${JSON.stringify(res.errors ?? res)}`);
    }
    return res.data;
  }
}

export function wsClient(token?: string, url: string = inject("wsUrl")): Client {
  return createClient({
    url,
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    onNonLazyError: () => {},
  });
}

/** Runs one operation over graphql-ws and returns its first result. */
export function wsOnce<T = Record<string, unknown>>(client: Client, query: string, variables?: Record<string, unknown>) {
  return new Promise<FormattedExecutionResult<T, unknown>>((resolve, reject) => {
    let result: FormattedExecutionResult<T, unknown> | undefined;
    client.subscribe<T>(
      { query, variables },
      {
        next: (value) => {
          result = value;
        },
        error: reject,
        complete: () => (result ? resolve(result) : reject(new Error("completed without a result"))),
      },
    );
  });
}

export interface TestUser {
  id: string;
  email: string;
  password: string;
  displayName: string;
  accessToken: string;
  refreshToken: string;
  client: GatewayClient;
}

export const REGISTER = /* GraphQL */ `
  mutation Register($input: RegisterInput!) {
    register(input: $input) { accessToken refreshToken user { id email displayName verified createdAt } }
  }
`;
export type Registered = {
  register: { accessToken: string; refreshToken: string; user: { id: string; email: string; displayName: string; verified: boolean; createdAt: string } };
};

export const VERIFY_EMAIL = /* GraphQL */ `
  mutation VerifyEmail($token: String!) { verifyEmail(token: $token) { user { id emailVerified } errors { code message field } } }
`;

/** The emails the run's SMTP server received for `address` (its mailDir), oldest first, as raw RFC 5322 text. */
export function mailTo(address: string): Promise<ReceivedMail[]> {
  return mailIn(inject("mailDir"), address);
}

/**
 * The `token` of the verification link in a raw message, whatever transfer encoding nodemailer
 * chose for its parts (quoted-printable soft breaks and `=3D`, or base64).
 */
export function verificationTokenIn(raw: string): string | null {
  return linkTokenIn(raw, "verify-email");
}

/** The `token` of the `<app>/<path>?token=…` link in a raw mail (quoted-printable or base64 parts). */
export function linkTokenIn(raw: string, path: string): string | null {
  const readings = [raw.replace(/=\r?\n/g, "").replace(/=3D/gi, "=")];
  for (const part of raw.split(/\r?\n--/)) {
    const base64 = /content-transfer-encoding:\s*base64\r?\n(?:[^\r\n]+\r?\n)*\r?\n([A-Za-z0-9+/=\r\n]+)/i.exec(part);
    if (base64) readings.push(Buffer.from(base64[1]!.replace(/\s+/g, ""), "base64").toString("utf8"));
  }
  for (const text of readings) {
    const token = new RegExp(`${path}\\?token=([A-Za-z0-9_.-]+)`).exec(text)?.[1];
    if (token) return token;
  }
  return null;
}

/** Waits for the newest verification email to `address` (the graph's mail job sends it) and returns its link's token. */
export async function verificationToken(address: string, options: { after?: number; timeoutMs?: number } = {}): Promise<string> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  for (;;) {
    const mail = (await mailTo(address)).filter((m) => /confirm your email/i.test(m.subject)).slice(options.after ?? 0);
    const token = mail.length > 0 ? verificationTokenIn(mail.at(-1)!.raw) : null;
    if (token) return token;
    if (Date.now() > deadline)
      throw new Error(`no verification email arrived for ${address}: ${JSON.stringify((await mailTo(address)).map((m) => m.subject))}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The token of the newest reset-password link mailed to `address`, once `count` of them have arrived. */
export async function resetToken(address: string, count = 1): Promise<string> {
  const links = await eventually(
    `reset link ${count} for ${address}`,
    async () => (await mailTo(address)).map((m) => linkTokenIn(m.raw, "reset-password")).filter((t): t is string => t !== null),
    (tokens) => tokens.length >= count,
  );
  return links.at(-1)!;
}

/** Verifies `address` as its owner would: the link's token from the mail, to verifyEmail through the gateway. */
export async function verifyEmailOf(address: string): Promise<void> {
  const token = await verificationToken(address);
  const { verifyEmail } = await new GatewayClient().data<{ verifyEmail: { user: { emailVerified: boolean } | null; errors: unknown[] } }>(VERIFY_EMAIL, {
    token,
  });
  if (!verifyEmail.user?.emailVerified) throw new Error(`verifyEmail refused ${address}: ${JSON.stringify(verifyEmail.errors)}`);
}

/**
 * Registers a fresh user with a unique email and verifies the address from the mailed link, as
 * a member would, so the welcome credits (100) follow shortly. `verify: false` leaves it unverified.
 */
export async function registerUser(overrides: Partial<{ email: string; password: string; displayName: string; verify: boolean }> = {}) {
  const email = overrides.email ?? `user-${randomUUID()}@localex.test`;
  const password = overrides.password ?? "correct horse battery";
  const displayName = overrides.displayName ?? "Test User";
  // Each member registers from an address of their own, as members do; REGISTER_PER_ADDRESS
  // counts per address, and the suite registers hundreds (tests of that limit send their own).
  const res = await new GatewayClient().request<Registered>(REGISTER, { input: { email, password, displayName } }, { "x-forwarded-for": randomAddress() });
  if (res.errors?.length || !res.data) throw new Error(`GraphQL errors: ${JSON.stringify(res.errors)}`);
  const { register } = res.data;
  if (overrides.verify !== false) await verifyEmailOf(register.user.email);
  return {
    id: register.user.id,
    email,
    password,
    displayName,
    accessToken: register.accessToken,
    refreshToken: register.refreshToken,
    client: new GatewayClient().withToken(register.accessToken),
  } satisfies TestUser;
}

/** A client address in 198.18.0.0/15 (reserved for benchmarks, never a real client), unique enough per call. */
export function randomAddress(): string {
  const n = Math.floor(Math.random() * 2 ** 17);
  return `198.${18 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
}

export const ADMIN_EMAIL = "admin@localex.test";
const ADMIN_PASSWORD = "correct horse battery admin";
let admin: { client: Promise<GatewayClient>; signedInAt: number } | undefined;
// Test files share a worker's modules (vitest.config.ts: isolate false), so a worker's admin
// outlives one file: signed in again well before its access token (15 min) expires.
const ADMIN_SIGN_IN_MAX_AGE_MS = 5 * 60_000;

/** Another administrator: registered, granted the role the operator's way, signed in again. */
export async function anotherAdmin(): Promise<{ id: string; client: GatewayClient }> {
  const user = await registerUser();
  await setAdminRole(user.email, true);
  const { login } = await new GatewayClient().data<{ login: { accessToken: string } }>(
    `mutation ($input: LoginInput!) { login(input: $input) { accessToken } }`,
    { input: { email: user.email, password: user.password } },
  );
  return { id: user.id, client: new GatewayClient().withToken(login.accessToken) };
}

/** The harness admin's sign-in, once it exists (for code that signs in itself, as the typed client's admin example does). */
export async function adminCredentials(): Promise<{ email: string; password: string }> {
  await signInAdmin();
  return { email: ADMIN_EMAIL, password: ADMIN_PASSWORD };
}

/** Grants or revokes the admin role the operator's way (`pnpm admin`'s code) on the run's database. */
export async function setAdminRole(email: string, admin: boolean): Promise<void> {
  const result = await setRoleOn(inject("databaseUrl"), { email }, admin ? "admin" : "user");
  if (!result.ok) throw new Error(`could not ${admin ? "grant" : "revoke"} admin for ${email}: ${result.message}`);
}

/**
 * The admin: registered by whichever test asks first in this worker, made admin the operator's
 * way (`pnpm admin grant`), and signed in after, so the access token carries the role.
 */
export function signInAdmin(): Promise<GatewayClient> {
  if (admin && Date.now() - admin.signedInAt < ADMIN_SIGN_IN_MAX_AGE_MS) return admin.client;
  const client = (async () => {
    const anonymous = new GatewayClient();
    const input = { email: ADMIN_EMAIL, password: ADMIN_PASSWORD, displayName: "Admin" };
    // Another worker may have registered it first: then this one only signs in.
    await anonymous.request(`mutation ($input: RegisterInput!) { register(input: $input) { accessToken } }`, { input });
    await setAdminRole(ADMIN_EMAIL, true);
    const { login } = await anonymous.data<{ login: { accessToken: string } }>(`mutation ($input: LoginInput!) { login(input: $input) { accessToken } }`, {
      input: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD },
    });
    return anonymous.withToken(login.accessToken);
  })();
  admin = { client, signedInAt: Date.now() };
  client.catch(() => (admin = undefined));
  return client;
}
