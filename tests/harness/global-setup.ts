// Starts the whole graph once per test run, in a child process (stack-process.ts): a fresh
// database (embedded PostgreSQL, or a new database on DATABASE_URL's server), every subgraph,
// and the gateway, all on free ports. Teardown stops it and waits for it to exit.
import { fork, type ChildProcess } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { ANY_PORTS, freePort, freshDatabase } from "./databases.ts";
import { startMailServer } from "./mail-server.ts";
import { TEST_RATE_LIMITS, testGraphEnvironment } from "./secrets.ts";
import type { StackReady } from "./stack-process.ts";


const START_TIMEOUT_MS = 150_000;
const STOP_TIMEOUT_MS = 30_000;

let child: ChildProcess | undefined;
const cleanups: (() => Promise<void>)[] = [];

export async function setup(project: TestProject): Promise<void> {
  const env: NodeJS.ProcessEnv = {
    ...testGraphEnvironment(),
    // No longer read (admins come from `pnpm admin grant` or another admin): set, so a test can
    // show that registering this address makes no admin (tests/identity/admin-roles.test.ts).
    ADMIN_EMAILS: "first-come@localex.test",
    // Tests play clients at many addresses (rate limits count per address) by sending
    // X-Forwarded-For from loopback, as a load balancer in front of the gateway would.
    TRUST_PROXY: "loopback",
    ...TEST_RATE_LIMITS,
    REDIS_URL: process.env.REDIS_URL,
    // Each run its own keys: no lockout or event leaks from another run on the same Redis.
    REDIS_PREFIX: `localex-test-${Date.now().toString(36)}-${process.pid}:`,
    DATABASE_POOL_SIZE: "8",
    // Tests run the trades recovery sweep themselves (recoverTrades), so a periodic one can never
    // do, in the background, what a test means to see another mechanism (the expiry job) do.
    TRADE_RECOVERY_INTERVAL_SECONDS: "3600",
    // Notification emails of one kind within 2 s go out as one digest (the default is minutes).
    NOTIFICATION_DIGEST_SECONDS: "2",
    // A decided verification request's documents are deleted at once, so a test can see them go.
    VERIFICATION_DOCUMENT_RETENTION_HOURS: "0",
    ...ANY_PORTS,
  };
  const dataDir = await mkdtemp(join(tmpdir(), "localex-test-"));
  await chmod(dataDir, 0o755); // the embedded server runs as `postgres` when we are root
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  env.DATA_DIR = dataDir;
  // The graph's mail goes to a real SMTP server of the run's own; tests read it from mailDir.
  const mail = await startMailServer(join(dataDir, "mail"));
  cleanups.push(mail.close);
  env.SMTP_URL = mail.url;
  if (process.env.DATABASE_URL) {
    const db = await freshDatabase(process.env.DATABASE_URL);
    cleanups.push(db.drop);
    env.DATABASE_URL = db.url;
  } else {
    env.EMBEDDED_POSTGRES_PORT = String(await freePort());
  }
  const ready = await startStackProcess(env);
  project.provide("gatewayUrl", ready.gatewayUrl);
  project.provide("wsUrl", ready.wsUrl);
  project.provide("databaseUrl", ready.databaseUrl);
  project.provide("subgraphUrls", ready.subgraphUrls);
  project.provide("usingEmbeddedPostgres", !process.env.DATABASE_URL);
  project.provide("dataDir", dataDir);
  project.provide("mailDir", join(dataDir, "mail"));
  // The graph's Redis and key prefix (empty without REDIS_URL), for pieces a test starts beside it.
  project.provide("redis", { url: process.env.REDIS_URL ?? "", prefix: env.REDIS_PREFIX ?? "" });
}

export async function teardown(): Promise<void> {
  try {
    await stopStackProcess();
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}

function startStackProcess(env: NodeJS.ProcessEnv): Promise<StackReady> {
  const script = fileURLToPath(new URL("./stack-process.ts", import.meta.url));
  const started = fork(script, [], {
    env,
    execArgv: ["--import", "@swc-node/register/esm-register"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  child = started;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`The test graph did not start within ${START_TIMEOUT_MS / 1000} s.`)), START_TIMEOUT_MS);
    const fail = (error: Error) => {
      clearTimeout(timer);
      started.kill("SIGKILL");
      reject(error);
    };
    started.on("message", (message: { ready?: StackReady }) => {
      if (!message.ready) return;
      clearTimeout(timer);
      resolve(message.ready);
    });
    started.once("exit", (code, signal) => fail(new Error(`The test graph exited before it was ready (code ${code}, signal ${signal}); its log is above.`)));
  });
}

async function stopStackProcess(): Promise<void> {
  const running = child;
  if (!running || running.exitCode !== null || running.signalCode !== null) return;
  const exited = new Promise<number | null>((resolve) => running.once("exit", (code) => resolve(code)));
  running.kill("SIGTERM");
  const timer = setTimeout(() => running.kill("SIGKILL"), STOP_TIMEOUT_MS);
  const code = await exited;
  clearTimeout(timer);
  if (code !== 0) throw new Error(`The test graph stopped with exit code ${code}.`);
}

declare module "vitest" {
  export interface ProvidedContext {
    gatewayUrl: string;
    wsUrl: string;
    databaseUrl: string;
    subgraphUrls: Record<string, string>;
    usingEmbeddedPostgres: boolean;
    dataDir: string;
    mailDir: string;
    redis: { url: string; prefix: string };
  }
}
