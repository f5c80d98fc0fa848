// `pnpm bench:ledger`: transfers per second through the gateway with 16 concurrent clients,
// next to pgbench's built-in TPC-B-like run on the same PostgreSQL server with the same clients.
//   DATABASE_URL  the server to use (default postgres://postgres@127.0.0.1:5432/postgres); fresh databases are created and dropped
//   BENCH_SECONDS how long each run lasts (default 20); BENCH_CLIENTS concurrent clients (default 16)
//   BENCH_LEDGER  "process" (default): the ledger subgraph runs in its own process, as deployed
//                 (docker-compose), so the gateway and the ledger each get a core; "inline": one process
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { Worker } from "node:worker_threads";
import { createLogger, loadConfig } from "@localex/common";
import { startStack } from "@localex/stack";
import { gql, stage } from "./support.ts";
import { ANY_PORTS, freePort, freshDatabase } from "../harness/databases.ts";
import type { ClientsInput, ClientsResult } from "./ledger-clients.ts";

const run = promisify(execFile);
const SERVER = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
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

async function register(url: string, email: string): Promise<Member> {
  const input = { email, password: "correct horse battery", displayName: "Bench" };
  const { register } = await gql(url, REGISTER, { input });
  return { id: register.user.id, token: register.accessToken };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

async function ledgerBench(): Promise<{ tps: number; p50: number; p99: number; errors: number; statementsPerTransfer: number }> {
  const db = await freshDatabase(SERVER, "localex_bench");
  const ledgerPort = await freePort();
  const identityPort = await freePort();
  const env: Record<string, string> = {
    NODE_ENV: "test",
    LOG_LEVEL: "warn",
    DATABASE_URL: db.url,
    ADMIN_EMAILS: ADMIN_EMAIL,
    IDENTITY_PORT: String(identityPort),
  };
  const config = loadConfig({
    ...ANY_PORTS,
    ...env,
    ...(LEDGER_APART ? { LEDGER_URL: `http://127.0.0.1:${ledgerPort}/graphql` } : {}),
  });
  stage(`starting the stack on ${db.name}${LEDGER_APART ? ", the ledger in its own process" : ""}`);
  const stack = await startStack(config, createLogger(config.LOG_LEVEL));
  const ledger = LEDGER_APART ? await startLedgerProcess(env, ledgerPort) : null;
  try {
    stage(`registering ${CLIENTS * 2} members and granting them credits`);
    const url = stack.gatewayUrl;
    const admin = await register(url, ADMIN_EMAIL);
    // Two members per client: each client moves one credit back and forth between its pair.
    const members = await Promise.all(Array.from({ length: CLIENTS * 2 }, (_, i) => register(url, `bench-${i}-${randomUUID()}@localex.bench`)));
    for (const m of members) {
      while ((await gql(url, BALANCE, {}, m.token)).me.account.balance < 100) await sleep(50);
      await gql(url, GRANT, { userId: m.id, key: randomUUID() }, admin.token);
    }
    const ledgerUrl = ledger
      ? `http://127.0.0.1:${ledgerPort}/metrics`
      : stack.subgraphs.find((s) => s.name === "ledger")!.url.replace(/\/graphql$/, "/metrics");
    const statementsBefore = ((await (await fetch(ledgerUrl)).json()) as { sqlStatements: number }).sqlStatements;

    const input: ClientsInput = {
      gatewayUrl: url,
      pairs: Array.from({ length: CLIENTS }, (_, c) => ({ a: members[2 * c]!, b: members[2 * c + 1]! })),
      seconds: SECONDS,
    };
    stage(`${CLIENTS} clients transferring for ${SECONDS} s`);
    const worker = new Worker(new URL("./ledger-clients.ts", import.meta.url), { workerData: input });
    const result = await new Promise<ClientsResult>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    await worker.terminate();
    const statementsAfter = ((await (await fetch(ledgerUrl)).json()) as { sqlStatements: number }).sqlStatements;
    const latencies = result.latencies.sort((a, b) => a - b);
    const errors = result.refused + result.failed;
    for (const sample of result.samples) stage(`error seen: ${sample}`);
    return {
      tps: (latencies.length - errors) / result.elapsedSeconds,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      errors,
      statementsPerTransfer: (statementsAfter - statementsBefore) / latencies.length,
    };
  } finally {
    stage("stopping the stack");
    if (ledger) {
      ledger.kill("SIGTERM");
      await new Promise((resolve) => ledger.once("exit", resolve));
    }
    await stack.stop();
    await db.drop();
  }
}

async function pgbench(): Promise<number> {
  const db = await freshDatabase(SERVER, "localex_pgbench");
  try {
    const url = new URL(db.url);
    const conn = ["-h", url.hostname, "-p", url.port || "5432", "-U", decodeURIComponent(url.username || "postgres")];
    const env = { ...process.env, PGPASSWORD: decodeURIComponent(url.password) };
    stage(`pgbench -i, then pgbench -c ${CLIENTS} -j 2 -T ${SECONDS}`);
    await run("pgbench", [...conn, "-i", "-q", db.name], { env });
    const { stdout } = await run("pgbench", [...conn, "-c", String(CLIENTS), "-j", "2", "-T", String(SECONDS), db.name], { env });
    const tps = /tps = ([\d.]+)/.exec(stdout);
    if (!tps) throw new Error(`could not read pgbench's output:\n${stdout}`);
    return Number(tps[1]);
  } finally {
    await db.drop();
  }
}

const ledger = await ledgerBench();
const baseline = await pgbench();
const ratio = ledger.tps / baseline;
console.log(`ledger transfers through the gateway: ${ledger.tps.toFixed(0)} /s  (p50 ${ledger.p50.toFixed(1)} ms, p99 ${ledger.p99.toFixed(1)} ms, ${ledger.errors} refused or failed, ${ledger.statementsPerTransfer.toFixed(1)} SQL statements per transfer in the ledger)`);
console.log(`pgbench TPC-B-like (-c ${CLIENTS} -j 2 -T ${SECONDS}):      ${baseline.toFixed(0)} tps`);
console.log(`ratio: ${ratio.toFixed(2)} (target >= 0.5)`);
process.exit(0);
