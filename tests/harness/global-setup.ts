// Starts the whole graph once per test run, in a child process (stack-process.ts): a fresh
// database (embedded PostgreSQL, or a new database on DATABASE_URL's server), every subgraph,
// and the gateway, all on free ports. Teardown stops it and waits for it to exit.
// The run's exit code is this file's business too: vitest 4 only prints a teardown's error
// ("error during close") and exits 0, and it cannot see the graph's process at all. So a graph
// that exits during the run, a stop that fails or hangs, and a cleanup that throws each set
// process.exitCode = 1 here, and are named in a "[test gate]" line (graphFault).
import { fork, type ChildProcess } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { startClamd } from "./clamd.ts";
import { ANY_PORTS, freePort, freshDatabase } from "./databases.ts";
import { startMailServer } from "./mail-server.ts";
import { TEST_RATE_LIMITS, testGraphEnvironment } from "./secrets.ts";
import type { StackMessage, StackReady } from "./stack-process.ts";
import { LOAD_TYPESCRIPT } from "./pieces.ts";

const START_TIMEOUT_MS = 150_000;
const STOP_TIMEOUT_MS = 30_000;

let child: ChildProcess | undefined;
let stopRequested = false;
/** The last thing the graph said about why it is going down (an uncaught exception, a failed stop). */
let lastFault = "";
const cleanups: (() => Promise<void>)[] = [];

/** Fails the run, whatever the tests said, and says why in a line that stands out in CI's log. */
function graphFault(message: string): void {
  process.exitCode = 1;
  console.error(`\n[test gate] FAILED: ${message}\n`);
}

function exitDescription(code: number | null, signal: NodeJS.Signals | null): string {
  const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
  return lastFault ? `${how}; it said: ${lastFault}` : `${how}; its log is above`;
}

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
    // Small pools: the shared graph (6 pools + 6 job workers) must leave room on a 100-connection
    // server for the pieces that test files start beside it, three files at a time.
    DATABASE_POOL_SIZE: "4",
    // Tests run the trades recovery sweep themselves (recoverTrades), so a periodic one can never
    // do, in the background, what a test means to see another mechanism (the expiry job) do.
    TRADE_RECOVERY_INTERVAL_SECONDS: "3600",
    // Notification emails of one kind within 2 s go out as one digest (the default is minutes).
    NOTIFICATION_DIGEST_SECONDS: "2",
    // A decided verification request's documents are deleted at once, so a test can see them go.
    VERIFICATION_DOCUMENT_RETENTION_HOURS: "0",
    // Push goes to the tests' own receivers on loopback (development-only: refused in production),
    // and to stand-ins of the public push services' hosts that resolve nowhere (.test), never to
    // the real ones. A delivery's budget long enough that a test can see what happens while a
    // tarpit holds one (tests/identity/push-endpoints.test.ts); the default is a few seconds.
    PUSH_ALLOW_LOOPBACK: "true",
    PUSH_ENDPOINT_HOSTS: "push.localex.test,*.push.localex.test",
    PUSH_SEND_BUDGET_SECONDS: "15",
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
  // Uploads are scanned as in production, by a real clamd (one signature: EICAR), when installed.
  const clamd = await startClamd();
  if (clamd) {
    cleanups.push(() => clamd.stop());
    env.CLAMAV_URL = clamd.tcpUrl;
  }
  const ready = await startStackProcess(env);
  project.provide("stackPid", ready.pid);
  project.provide("gatewayUrl", ready.gatewayUrl);
  project.provide("wsUrl", ready.wsUrl);
  project.provide("databaseUrl", ready.databaseUrl);
  project.provide("subgraphUrls", ready.subgraphUrls);
  project.provide("usingEmbeddedPostgres", !process.env.DATABASE_URL);
  project.provide("dataDir", dataDir);
  project.provide("mailDir", join(dataDir, "mail"));
  // The graph's Redis and key prefix (empty without REDIS_URL), for pieces a test starts beside it.
  project.provide("redis", { url: process.env.REDIS_URL ?? "", prefix: env.REDIS_PREFIX ?? "" });
  project.provide("malwareScanning", clamd !== null);
}

export async function teardown(): Promise<void> {
  // Pessimistic until everything has stopped cleanly: if vitest gives up on this teardown
  // (teardownTimeout) and exits, the run still fails.
  const before = process.exitCode;
  process.exitCode = 1;
  let clean = true;
  try {
    await stopStackProcess();
  } catch (error) {
    clean = false;
    graphFault((error as Error).message);
  }
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch (error) {
      clean = false;
      graphFault(`a test-run cleanup failed: ${(error as Error).stack ?? String(error)}`);
    }
  }
  if (clean) process.exitCode = before;
}

function startStackProcess(env: NodeJS.ProcessEnv): Promise<StackReady> {
  const script = fileURLToPath(new URL("./stack-process.ts", import.meta.url));
  const started = fork(script, [], {
    env,
    execArgv: LOAD_TYPESCRIPT,
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
    let ready = false;
    started.on("message", (message: StackMessage) => {
      if ("fault" in message) lastFault = message.fault;
      if (!("ready" in message)) return;
      ready = true;
      clearTimeout(timer);
      resolve(message.ready);
    });
    started.once("exit", (code, signal) => {
      if (!ready) fail(new Error(`The test graph exited before it was ready (code ${code}, signal ${signal}); its log is above.`));
      // After ready, any exit but the one teardown asks for is a crash, even after the last test.
      else if (!stopRequested) graphFault(`the graph under test (pid ${started.pid}) stopped during the run: it ${exitDescription(code, signal)}`);
    });
  });
}

/** SIGTERM, then waits; throws, naming why, unless the graph stopped by itself with exit code 0. */
async function stopStackProcess(): Promise<void> {
  const running = child;
  stopRequested = true;
  // Already gone: the exit listener above has failed the run and said why.
  if (!running || running.exitCode !== null || running.signalCode !== null) return;
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => running.once("exit", (code, signal) => resolve([code, signal])));
  running.kill("SIGTERM");
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    running.kill("SIGKILL");
  }, STOP_TIMEOUT_MS);
  const [code, signal] = await exited;
  clearTimeout(timer);
  if (hung)
    throw new Error(
      `the graph under test did not stop within ${STOP_TIMEOUT_MS / 1000} s of SIGTERM and was killed${lastFault ? `; it said: ${lastFault}` : ""}`,
    );
  if (code !== 0) throw new Error(`the graph under test failed to stop cleanly: it ${exitDescription(code, signal)}`);
}

declare module "vitest" {
  export interface ProvidedContext {
    /** The graph's process: the runner's own tests kill it to show the run then fails. */
    stackPid: number;
    gatewayUrl: string;
    wsUrl: string;
    databaseUrl: string;
    subgraphUrls: Record<string, string>;
    usingEmbeddedPostgres: boolean;
    dataDir: string;
    mailDir: string;
    redis: { url: string; prefix: string };
    /** Whether the graph scans uploads with the harness's clamd (tests/harness/clamd.ts); false when clamd is not installed. */
    malwareScanning: boolean;
  }
}
