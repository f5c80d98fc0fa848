// `pnpm bench:ledger`: transfers per second through the gateway with 16 concurrent clients,
// next to pgbench's built-in TPC-B-like run on the same PostgreSQL server with the same clients.
// The two alternate in rounds on one running stack, so the machine's other load, which moves
// both figures, weighs on both alike; the ratio reported is that of the medians.
//   DATABASE_URL   the server to use (default postgres://postgres@127.0.0.1:5432/postgres); fresh databases are created and dropped
//   BENCH_SECONDS  length of each measured window (default 15); BENCH_ROUNDS windows of each (default 3)
//   BENCH_WARMUP   seconds of uncounted transfers first, while V8 compiles the hot paths (default 20)
//   BENCH_CLIENTS  concurrent clients (default 16); the ledger gets as many database connections,
//                  as pgbench opens one per client
//   BENCH_LEDGER   "process" (default): the ledger subgraph runs in its own process, as deployed
//                  (docker-compose); "inline": in the gateway's process
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { Worker } from "node:worker_threads";
import { createLogger, loadConfig } from "@localex/common";
import { startStack } from "@localex/stack";
import { BENCH_RATE_LIMITS, gql, stage, verifyEmail, type Session } from "./support.ts";
import { setRoleOn } from "../../subgraphs/identity/src/users/roles.ts";
import { cpuAccounting, exitedChildrenCpuMs, postgresCpuMs, processCpuMs } from "./cpu.ts";
import { ANY_PORTS, freePort, freshDatabase } from "../harness/databases.ts";
import { sqlStatements } from "../harness/metrics.ts";
import { MEASURING, type ClientsInput, type ClientsResult, type ClientsWindow } from "./ledger-clients.ts";

const run = promisify(execFile);
const SERVER = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 20);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16);
const ADMIN_EMAIL = "admin@localex.bench";
const LEDGER_APART = (process.env.BENCH_LEDGER ?? "process") === "process";

/** `pnpm serve ledger` in a child process; resolves once it answers /health. */
async function startLedgerProcess(env: Record<string, string>, port: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ["--import", "@swc-node/register/esm-register", "packages/stack/src/serve.ts", "ledger"],
    { env: { ...process.env, ...env, LEDGER_PORT: String(port) }, stdio: ["ignore", "inherit", "inherit"] },
  );
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`the ledger process exited with ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false);
    if (ok) return child;
    await sleep(100);
  }
  child.kill();
  throw new Error("the ledger process did not start");
}

const REGISTER = `mutation($input: RegisterInput!) { register(input: $input) { accessToken user { id } } }`;
const BALANCE = `{ me { account { balance } } }`;
const GRANT = `mutation($userId: ID!, $key: String!) { grantCredits(userId: $userId, amount: 1000, memo: "bench", idempotencyKey: $key) { errors { code } } }`;

interface Member {
  id: string;
  token: string;
}

const LOGIN = `mutation($input: LoginInput!) { login(input: $input) { accessToken user { id } } }`;

/** A member whose email is verified (so the welcome grant runs). */
async function register(url: string, email: string): Promise<Member> {
  const input = { email, password: "correct horse battery", displayName: "Bench" };
  const { register } = await gql<Session<"register">>(url, REGISTER, { input });
  await verifyEmail(url, email);
  return { id: register.user.id, token: register.accessToken };
}

/** The admin, made one the operator's way (`pnpm admin grant`'s code), then signed in so the token carries the role. */
async function registerAdmin(url: string, databaseUrl: string, email: string): Promise<Member> {
  await gql(url, REGISTER, { input: { email, password: "correct horse battery", displayName: "Bench admin" } });
  const granted = await setRoleOn(databaseUrl, { email }, "admin");
  if (!granted.ok) throw new Error(granted.message);
  const { login } = await gql<Session<"login">>(url, LOGIN, { input: { email, password: "correct horse battery" } });
  return { id: login.user.id, token: login.accessToken };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

interface LedgerWindow {
  tps: number;
  latencies: number[];
  errors: number;
  statements: number;
  /** CPU ms per transfer: the gateway's process (with the clients' thread), the ledger's, PostgreSQL's. */
  cpu: { gateway: number; ledger: number; postgres: number } | null;
}

interface PgbenchWindow {
  tps: number;
  /** CPU ms per transaction: PostgreSQL's, pgbench's own. */
  cpu: { postgres: number; pgbench: number } | null;
}

/** The stack with the ledger apart, 2 × CLIENTS members with credits, and a thread of clients. */
async function startLedgerStage() {
  const db = await freshDatabase(SERVER, "localex_bench");
  const ledgerPort = await freePort();
  const env: Record<string, string> = {
    NODE_ENV: "test",
    LOG_LEVEL: "warn",
    DATABASE_URL: db.url,
    DATABASE_POOL_SIZE: String(CLIENTS),
    IDENTITY_PORT: String(await freePort()),
  };
  const config = loadConfig({
    ...ANY_PORTS,
    ...env,
    ...BENCH_RATE_LIMITS,
    ...(LEDGER_APART ? { LEDGER_URL: `http://127.0.0.1:${ledgerPort}/graphql` } : {}),
  });
  stage(`starting the stack on ${db.name}${LEDGER_APART ? ", the ledger in its own process" : ""}`);
  const stack = await startStack(config, createLogger(config.LOG_LEVEL));
  const ledger = LEDGER_APART ? await startLedgerProcess(env, ledgerPort) : null;
  const stop = async () => {
    stage("stopping the stack");
    if (ledger && ledger.exitCode === null) {
      ledger.kill("SIGTERM");
      await new Promise((resolve) => ledger.once("exit", resolve));
    }
    await stack.stop();
    await db.drop();
  };
  try {
    stage(`registering ${CLIENTS * 2} members and granting them credits`);
    const url = stack.gatewayUrl;
    const admin = await registerAdmin(url, db.url, ADMIN_EMAIL);
    // Two members per client: each client moves one credit back and forth between its pair.
    const members = await Promise.all(Array.from({ length: CLIENTS * 2 }, (_, i) => register(url, `bench-${i}-${randomUUID()}@localex.bench`)));
    for (const m of members) {
      while ((await gql<{ me: { account: { balance: number } } }>(url, BALANCE, {}, m.token)).me.account.balance < 100) await sleep(50);
      await gql(url, GRANT, { userId: m.id, key: randomUUID() }, admin.token);
    }
    const metricsUrl = ledger
      ? `http://127.0.0.1:${ledgerPort}/metrics`
      : stack.subgraphs.find((s) => s.name === "ledger")!.url.replace(/\/graphql$/, "/metrics");
    const statements = () => sqlStatements(metricsUrl, "localex-ledger");
    const input: ClientsInput = {
      gatewayUrl: url,
      pairs: Array.from({ length: CLIENTS }, (_, c) => ({ a: members[2 * c]!, b: members[2 * c + 1]! })),
    };
    const clients = new Worker(new URL("./ledger-clients.ts", import.meta.url), { workerData: input });
    clients.on("error", (error) => stage(`the clients failed: ${error}`));

    const cpuNow = () => ({
      gateway: processCpuMs("self"),
      ledger: ledger?.pid ? processCpuMs(ledger.pid) : 0,
      postgres: postgresCpuMs(),
    });

    /** One window of transfers; the counters are read when the clients open the measured part. */
    async function measure(window: ClientsWindow): Promise<LedgerWindow> {
      let before: { statements: Promise<number>; cpu: ReturnType<typeof cpuNow> } | undefined;
      const result = await new Promise<ClientsResult>((resolve) => {
        const onMessage = (message: unknown) => {
          if (message === MEASURING) {
            before = { statements: statements(), cpu: cpuNow() };
            return;
          }
          clients.off("message", onMessage);
          resolve(message as ClientsResult);
        };
        clients.on("message", onMessage);
        clients.postMessage(window);
      });
      const cpuAfter = cpuNow();
      const statementsAfter = await statements();
      const count = result.latencies.length;
      const errors = result.refused + result.failed;
      for (const sample of result.samples) stage(`error seen: ${sample}`);
      const cpuBefore = before!.cpu;
      return {
        tps: (count - errors) / result.elapsedSeconds,
        latencies: result.latencies,
        errors,
        statements: (statementsAfter - (await before!.statements)) / count,
        cpu: cpuAccounting
          ? {
              gateway: (cpuAfter.gateway - cpuBefore.gateway) / count,
              ledger: (cpuAfter.ledger - cpuBefore.ledger) / count,
              postgres: (cpuAfter.postgres - cpuBefore.postgres) / count,
            }
          : null,
      };
    }
    return {
      measure,
      async stop() {
        await clients.terminate();
        await stop();
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A pgbench database, initialised; `measure` runs the built-in TPC-B-like script once. */
async function startPgbenchStage() {
  const db = await freshDatabase(SERVER, "localex_pgbench");
  const url = new URL(db.url);
  const conn = ["-h", url.hostname, "-p", url.port || "5432", "-U", decodeURIComponent(url.username || "postgres")];
  const env = { ...process.env, PGPASSWORD: decodeURIComponent(url.password) };
  stage("pgbench -i");
  await run("pgbench", [...conn, "-i", "-q", db.name], { env });
  return {
    async measure(seconds: number): Promise<PgbenchWindow> {
      const before = { postgres: postgresCpuMs(), pgbench: exitedChildrenCpuMs() };
      const { stdout } = await run("pgbench", [...conn, "-c", String(CLIENTS), "-j", "2", "-T", String(seconds), db.name], { env });
      const after = { postgres: postgresCpuMs(), pgbench: exitedChildrenCpuMs() };
      const tps = /tps = ([\d.]+)/.exec(stdout);
      const transactions = /number of transactions actually processed: (\d+)/.exec(stdout);
      if (!tps || !transactions) throw new Error(`could not read pgbench's output:\n${stdout}`);
      const count = Number(transactions[1]);
      return {
        tps: Number(tps[1]),
        cpu: cpuAccounting
          ? { postgres: (after.postgres - before.postgres) / count, pgbench: (after.pgbench - before.pgbench) / count }
          : null,
      };
    },
    stop: () => db.drop(),
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ms = (value: number) => value.toFixed(2);

const ledgerStage = await startLedgerStage();
const pgbenchStage = await startPgbenchStage().catch(async (error) => {
  await ledgerStage.stop();
  throw error;
});
const ledgerWindows: LedgerWindow[] = [];
const pgbenchWindows: PgbenchWindow[] = [];
try {
  stage(`warming up: ${CLIENTS} clients transferring for ${WARMUP} s, uncounted`);
  for (let round = 1; round <= ROUNDS; round++) {
    stage(`round ${round}/${ROUNDS}: ${CLIENTS} clients transferring for ${SECONDS} s`);
    const ledger = await ledgerStage.measure({ warmupSeconds: round === 1 ? WARMUP : 0, seconds: SECONDS });
    ledgerWindows.push(ledger);
    stage(`round ${round}/${ROUNDS}: pgbench -c ${CLIENTS} -j 2 -T ${SECONDS}`);
    const pgbench = await pgbenchStage.measure(SECONDS);
    pgbenchWindows.push(pgbench);
    stage(`round ${round}/${ROUNDS}: ${ledger.tps.toFixed(0)} transfers/s, pgbench ${pgbench.tps.toFixed(0)} tps, ratio ${(ledger.tps / pgbench.tps).toFixed(2)}`);
  }
} finally {
  await ledgerStage.stop();
  await pgbenchStage.stop();
}

const latencies = ledgerWindows.flatMap((w) => w.latencies).sort((a, b) => a - b);
const tps = median(ledgerWindows.map((w) => w.tps));
const baseline = median(pgbenchWindows.map((w) => w.tps));
const errors = ledgerWindows.reduce((sum, w) => sum + w.errors, 0);
const statements = median(ledgerWindows.map((w) => w.statements));
console.log(`ledger transfers through the gateway: ${tps.toFixed(0)} /s median of ${ROUNDS} (${ledgerWindows.map((w) => w.tps.toFixed(0)).join(", ")}); p50 ${ms(percentile(latencies, 50))} ms, p99 ${ms(percentile(latencies, 99))} ms; ${errors} refused or failed; ${statements.toFixed(1)} SQL statements per transfer`);
console.log(`pgbench TPC-B-like (-c ${CLIENTS} -j 2 -T ${SECONDS}):      ${baseline.toFixed(0)} tps median of ${ROUNDS} (${pgbenchWindows.map((w) => w.tps.toFixed(0)).join(", ")})`);
const ledgerCpu = ledgerWindows.map((w) => w.cpu).filter((c) => c !== null);
const pgbenchCpu = pgbenchWindows.map((w) => w.cpu).filter((c) => c !== null);
if (ledgerCpu.length && pgbenchCpu.length) {
  const gateway = median(ledgerCpu.map((c) => c.gateway));
  const ledger = median(ledgerCpu.map((c) => c.ledger));
  const postgres = median(ledgerCpu.map((c) => c.postgres));
  console.log(`CPU per transfer: ${ms(gateway + ledger + postgres)} ms = gateway process with the clients' thread ${ms(gateway)} + ledger ${ms(ledger)} + PostgreSQL ${ms(postgres)}`);
  const pgPostgres = median(pgbenchCpu.map((c) => c.postgres));
  const pgClients = median(pgbenchCpu.map((c) => c.pgbench));
  console.log(`CPU per pgbench transaction: ${ms(pgPostgres + pgClients)} ms = pgbench ${ms(pgClients)} + PostgreSQL ${ms(pgPostgres)}`);
}
console.log(`ratio: ${(tps / baseline).toFixed(2)} (target >= 0.5)`);
process.exit(0);
