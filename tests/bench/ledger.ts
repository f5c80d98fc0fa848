// `pnpm bench:ledger`: transfers per second through the gateway with 16 concurrent clients,
// next to pgbench's built-in TPC-B-like run on the same PostgreSQL server with the same clients,
// at two scales: 1 (as this bench always ran it: every transaction updates the one branch row,
// so it mostly measures row-lock contention, pgbench's docs warn) and the client count (one
// branch per client at least: the honest baseline). The three alternate in rounds on one
// running graph, so the machine's other load, which moves every figure, weighs on all alike;
// the ratios reported are those of the medians.
// Each piece of the graph (the gateway and the six subgraphs) runs in its own process, as
// deployed (`pnpm serve <piece>`), so the CPU each spends per transfer is read from its own
// process; this process holds only the clients (ledger-clients.ts, on a worker thread).
// PostgreSQL's CPU is its server's alone (the postmaster and its children). CPU is read once the
// job queue has drained after a window (each transfer enqueues the recipient's notification), so
// the work a transfer leaves behind is counted, and pgbench does not run beside it.
//   DATABASE_URL   the server to use (default postgres://postgres@127.0.0.1:5432/postgres); fresh databases are created and dropped
//   BENCH_SECONDS  length of each measured window (default 15); BENCH_ROUNDS windows of each (default 3)
//   BENCH_WARMUP   seconds of uncounted transfers first, while V8 compiles the hot paths (default 20)
//   BENCH_CLIENTS  concurrent clients (default 16); the ledger gets as many database connections,
//                  as pgbench opens one per client, and pgbench's honest scale is this number
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { Worker } from "node:worker_threads";
import { connect, SUBGRAPH_NAMES, type Sql } from "@localex/common";
import { BENCH_RATE_LIMITS, gql, stage, verifyEmail, type Session } from "./support.ts";
import { setRoleOn } from "../../subgraphs/identity/src/users/roles.ts";
import { cpuAccounting, exitedChildrenCpuMs, postgresServerCpuMs, postmasterPidOf, processCpuMs } from "./cpu.ts";
import { freePort, freshDatabase } from "../harness/databases.ts";
import { sqlStatements } from "../harness/metrics.ts";
import { servePiece, stopPiece, untilHealthy, type Piece } from "../harness/pieces.ts";
import { testGraphEnvironment } from "../harness/secrets.ts";
import { MEASURING, type ClientsInput, type ClientsResult, type ClientsWindow } from "./ledger-clients.ts";

const run = promisify(execFile);
const SERVER = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 20);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16);
const ADMIN_EMAIL = "admin@localex.bench";
/** The subgraphs a transfer does not call, summed into one figure (their job-queue workers still wake for its notification). */
const OTHERS = SUBGRAPH_NAMES.filter((name) => name !== "ledger" && name !== "identity");

const REGISTER = `mutation($input: RegisterInput!) { register(input: $input) { accessToken user { id } } }`;
const LOGIN = `mutation($input: LoginInput!) { login(input: $input) { accessToken user { id } } }`;
const BALANCE = `{ me { account { balance } } }`;
const GRANT = `mutation($userId: ID!, $key: String!) { grantCredits(userId: $userId, amount: 1000, memo: "bench", idempotencyKey: $key) { errors { code } } }`;

interface Member {
  id: string;
  token: string;
}

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

/**
 * The postmaster of the server `probe` is connected to, to read that server's CPU alone; or why
 * it cannot be read here: a server on another machine, or no access to its data directory.
 */
async function postmasterOf(probe: Sql, serverUrl: string): Promise<{ pid: number } | { missing: string }> {
  if (!["127.0.0.1", "localhost", "[::1]"].includes(new URL(serverUrl).hostname)) return { missing: "the server is not on this machine" };
  try {
    const [row] = await probe<{ dataDirectory: string }[]>`select current_setting('data_directory') as "dataDirectory"`;
    return { pid: postmasterPidOf(row!.dataDirectory) };
  } catch (error) {
    return { missing: `its postmaster.pid could not be read (${String(error)})` };
  }
}

/**
 * Transactions committed or rolled back so far in each of the server's other databases, by oid
 * (pg_stat_database, flushed by each backend within seconds): their work is in the
 * server's CPU, so the bench says how much of it there was.
 */
async function othersTransactions(probe: Sql, ours: string[]): Promise<Map<number, number>> {
  const rows = await probe<{ oid: number; n: number }[]>`
    select datid::int as oid, (xact_commit + xact_rollback)::float8 as n from pg_stat_database
    where datname is not null and datname <> all(${ours})`;
  return new Map(rows.map((r) => [r.oid, r.n]));
}

/**
 * Waits (bounded) until the graph's job queue holds no job due to run: each transfer enqueues
 * the recipient's notification, which identity may still be working through when the window
 * closes. Seconds waited; null if it did not drain within `limitSeconds`.
 */
async function drained(probe: Sql, limitSeconds = 300): Promise<number | null> {
  const started = performance.now();
  while (performance.now() - started < limitSeconds * 1000) {
    const [row] = await probe<{ n: number }[]>`
      select count(*)::int as n from graphile_worker.jobs where attempts < max_attempts and run_at <= now()`;
    if (row?.n === 0) return (performance.now() - started) / 1000;
    await sleep(100);
  }
  return null;
}

/** Transactions between two readings; a database dropped in between takes its count with it, so: at least. */
const transactionsBetween = (before: Map<number, number>, after: Map<number, number>) =>
  [...after].reduce((sum, [oid, n]) => sum + n - (before.get(oid) ?? 0), 0);

/**
 * CPU ms by process, so far (a reading) or per operation (the difference of two readings over a
 * count); `postgres` is the bench's server, all of it (null: not readable here), `pgbench` this
 * process's exited children.
 */
interface CpuReading {
  clients: number;
  gateway: number;
  ledger: number;
  identity: number;
  others: number;
  postgres: number | null;
  pgbench: number;
}
type CpuPerOperation = CpuReading;

function cpuPer(before: CpuReading, after: CpuReading, count: number): CpuPerOperation {
  const per = (k: Exclude<keyof CpuReading, "postgres">) => (after[k] - before[k]) / count;
  const postgres = before.postgres === null || after.postgres === null ? null : (after.postgres - before.postgres) / count;
  return {
    clients: per("clients"),
    gateway: per("gateway"),
    ledger: per("ledger"),
    identity: per("identity"),
    others: per("others"),
    postgres,
    pgbench: per("pgbench"),
  };
}

interface LedgerWindow {
  tps: number;
  latencies: number[];
  errors: number;
  statements: number;
  elapsedSeconds: number;
  /** Seconds the job queue took to drain after the window (null: it did not within the bound). */
  drainSeconds: number | null;
  /** Read once the job queue has drained, so the work the transfers left behind is theirs. */
  cpu: CpuPerOperation | null;
}

interface PgbenchWindow {
  tps: number;
  cpu: CpuPerOperation | null;
  /** The graph's own CPU meanwhile, ms per second: at rest, so its background work (job polling, timers). */
  graphAtRest: CpuPerOperation | null;
}

/** The graph, each piece in its own process, on a fresh database; CLIENTS pairs of members with credits. */
async function startGraph(cleanups: (() => Promise<void>)[]) {
  const db = await freshDatabase(SERVER, "localex_bench");
  cleanups.push(db.drop);
  const dataDir = await mkdtemp(join(tmpdir(), "localex-bench-ledger-"));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  // No Redis, as this bench always ran: nobody subscribes here, so a transfer's events go nowhere either way.
  const env: NodeJS.ProcessEnv = {
    ...testGraphEnvironment(),
    ...BENCH_RATE_LIMITS,
    LOG_LEVEL: "warn",
    DATABASE_URL: db.url,
    DATABASE_POOL_SIZE: "4",
    DATA_DIR: dataDir,
    REDIS_URL: "",
    SMTP_URL: "",
    HOST: "127.0.0.1",
    SUBGRAPH_HOST: "127.0.0.1",
  };
  const ports = Object.fromEntries(await Promise.all(SUBGRAPH_NAMES.map(async (name) => [name, await freePort()] as const)));
  for (const name of SUBGRAPH_NAMES) {
    env[`${name.toUpperCase()}_PORT`] = String(ports[name]);
    env[`${name.toUpperCase()}_URL`] = `http://127.0.0.1:${ports[name]}/graphql`;
  }
  stage(`starting the six subgraphs and the gateway on ${db.name}, each in its own process`);
  const pieces = new Map<string, Piece>();
  cleanups.push(() => Promise.all([...pieces.values()].map(stopPiece)).then(() => {}));
  // One database connection per client for the ledger, as pgbench opens one per client.
  for (const name of SUBGRAPH_NAMES) pieces.set(name, servePiece(name, name === "ledger" ? { ...env, DATABASE_POOL_SIZE: String(CLIENTS) } : env));
  await Promise.all(SUBGRAPH_NAMES.map((name) => untilHealthy(`http://127.0.0.1:${ports[name]}/healthz`, pieces.get(name)!)));
  const gatewayPort = await freePort();
  pieces.set("gateway", servePiece("gateway", { ...env, PORT: String(gatewayPort) }));
  await untilHealthy(`http://127.0.0.1:${gatewayPort}/healthz`, pieces.get("gateway")!);
  const url = `http://127.0.0.1:${gatewayPort}/graphql`;

  stage(`registering ${CLIENTS * 2} members and granting them credits`);
  const members = await (async () => {
    const admin = await registerAdmin(url, db.url, ADMIN_EMAIL);
    // Two members per client: each client moves one credit back and forth between its pair.
    const members = await Promise.all(Array.from({ length: CLIENTS * 2 }, (_, i) => register(url, `bench-${i}-${randomUUID()}@localex.bench`)));
    for (const m of members) {
      while ((await gql<{ me: { account: { balance: number } } }>(url, BALANCE, {}, m.token)).me.account.balance < 100) await sleep(50);
      await gql(url, GRANT, { userId: m.id, key: randomUUID() }, admin.token);
    }
    return members;
  })().catch((error: unknown) => {
    // The pieces' logs are kept, not shown: on a failure they say what went wrong.
    for (const [name, piece] of pieces) stage(`${name}'s log, the end:\n${piece.output().slice(-3000)}`);
    throw error;
  });
  const pid = (name: string) => pieces.get(name)?.child.pid ?? 0;
  return {
    db,
    url,
    pairs: Array.from({ length: CLIENTS }, (_, c) => ({ a: members[2 * c]!, b: members[2 * c + 1]! })),
    statements: () => sqlStatements(`http://127.0.0.1:${ports.ledger}/metrics`, "localex-ledger"),
    cpu: (postgres: () => number | null): CpuReading => ({
      clients: processCpuMs("self"),
      gateway: processCpuMs(pid("gateway")),
      ledger: processCpuMs(pid("ledger")),
      identity: processCpuMs(pid("identity")),
      others: OTHERS.reduce((sum, name) => sum + processCpuMs(pid(name)), 0),
      postgres: postgres(),
      pgbench: exitedChildrenCpuMs(),
    }),
  };
}

/** A pgbench database at `scale`, initialised; `measure` runs the built-in TPC-B-like script once. */
async function startPgbench(scale: number, cleanups: (() => Promise<void>)[], cpu: () => CpuReading) {
  const db = await freshDatabase(SERVER, `localex_pgbench_s${scale}`);
  // Dropped last, once the graph's pieces have let go of their connections (a busy server may have none to spare).
  cleanups.unshift(db.drop);
  const url = new URL(db.url);
  const conn = ["-h", url.hostname, "-p", url.port || "5432", "-U", decodeURIComponent(url.username || "postgres")];
  const env = { ...process.env, PGPASSWORD: decodeURIComponent(url.password) };
  stage(`pgbench -i -s ${scale}`);
  await run("pgbench", [...conn, "-i", "-q", "-s", String(scale), db.name], { env });
  return {
    name: db.name,
    scale,
    async measure(seconds: number): Promise<PgbenchWindow> {
      const before = cpu();
      const started = performance.now();
      const { stdout } = await run("pgbench", [...conn, "-c", String(CLIENTS), "-j", "2", "-T", String(seconds), db.name], { env });
      const elapsedSeconds = (performance.now() - started) / 1000;
      const after = cpu();
      const tps = /tps = ([\d.]+)/.exec(stdout);
      const transactions = /number of transactions actually processed: (\d+)/.exec(stdout);
      if (!tps || !transactions) throw new Error(`could not read pgbench's output:\n${stdout}`);
      return {
        tps: Number(tps[1]),
        cpu: cpuAccounting ? cpuPer(before, after, Number(transactions[1])) : null,
        graphAtRest: cpuAccounting ? cpuPer(before, after, elapsedSeconds) : null,
      };
    },
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ms = (value: number) => value.toFixed(2);

async function main(): Promise<void> {
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const graph = await startGraph(cleanups);
    const probe = connect(graph.db.url, { max: 1, applicationName: "localex-bench-probe" });
    cleanups.push(() => probe.end({ timeout: 5 }));
    const postmaster = await postmasterOf(probe, SERVER);
    if ("missing" in postmaster) stage(`PostgreSQL's CPU is not counted: ${postmaster.missing}`);
    const postgresCpu = () => ("pid" in postmaster ? postgresServerCpuMs(postmaster.pid) : null);
    const cpu = () => graph.cpu(postgresCpu);
    const contended = await startPgbench(1, cleanups, cpu);
    const honest = await startPgbench(Math.max(CLIENTS, 1), cleanups, cpu);
    const ours = [graph.db.name, contended.name, honest.name];

    const clients = new Worker(new URL("./ledger-clients.ts", import.meta.url), {
      workerData: { gatewayUrl: graph.url, pairs: graph.pairs } satisfies ClientsInput,
    });
    clients.on("error", (error) => stage(`the clients failed: ${error}`));
    cleanups.push(() => clients.terminate().then(() => {}));

    /** One window of transfers; the counters are read when the clients open the measured part. */
    async function transfers(window: ClientsWindow): Promise<LedgerWindow> {
      let before: { statements: Promise<number>; cpu: CpuReading } | undefined;
      const result = await new Promise<ClientsResult>((resolve) => {
        const onMessage = (message: unknown) => {
          if (message === MEASURING) {
            before = { statements: graph.statements(), cpu: cpu() };
            return;
          }
          clients.off("message", onMessage);
          resolve(message as ClientsResult);
        };
        clients.on("message", onMessage);
        clients.postMessage(window);
      });
      const drainSeconds = await drained(probe);
      const cpuAfter = cpu();
      const statementsAfter = await graph.statements();
      const count = result.latencies.length;
      const errors = result.refused + result.failed;
      for (const sample of result.samples) stage(`error seen: ${sample}`);
      return {
        tps: (count - errors) / result.elapsedSeconds,
        latencies: result.latencies,
        errors,
        statements: (statementsAfter - (await before!.statements)) / count,
        elapsedSeconds: result.elapsedSeconds,
        drainSeconds,
        cpu: cpuAccounting ? cpuPer(before!.cpu, cpuAfter, count) : null,
      };
    }

    const ledgerWindows: LedgerWindow[] = [];
    const contendedWindows: PgbenchWindow[] = [];
    const honestWindows: PgbenchWindow[] = [];
    let othersTxns = 0;
    stage(`warming up: ${CLIENTS} clients transferring for ${WARMUP} s, uncounted`);
    for (let round = 1; round <= ROUNDS; round++) {
      const othersBefore = await othersTransactions(probe, ours);
      stage(`round ${round}/${ROUNDS}: ${CLIENTS} clients transferring for ${SECONDS} s`);
      const ledger = await transfers({ warmupSeconds: round === 1 ? WARMUP : 0, seconds: SECONDS });
      ledgerWindows.push(ledger);
      stage(`round ${round}/${ROUNDS}: pgbench -s 1 -c ${CLIENTS} -j 2 -T ${SECONDS}`);
      const one = await contended.measure(SECONDS);
      contendedWindows.push(one);
      stage(`round ${round}/${ROUNDS}: pgbench -s ${honest.scale} -c ${CLIENTS} -j 2 -T ${SECONDS}`);
      const many = await honest.measure(SECONDS);
      honestWindows.push(many);
      othersTxns += transactionsBetween(othersBefore, await othersTransactions(probe, ours));
      stage(
        `round ${round}/${ROUNDS}: ${ledger.tps.toFixed(0)} transfers/s (job queue drained ${ledger.drainSeconds === null ? "NOT within 300 s" : `${ledger.drainSeconds.toFixed(1)} s after`}); pgbench scale 1 ${one.tps.toFixed(0)} tps (ratio ${(ledger.tps / one.tps).toFixed(2)}), ` +
          `scale ${honest.scale} ${many.tps.toFixed(0)} tps (ratio ${(ledger.tps / many.tps).toFixed(2)})`,
      );
    }

    const latencies = ledgerWindows.flatMap((w) => w.latencies).sort((a, b) => a - b);
    const tps = median(ledgerWindows.map((w) => w.tps));
    const contendedTps = median(contendedWindows.map((w) => w.tps));
    const honestTps = median(honestWindows.map((w) => w.tps));
    const errors = ledgerWindows.reduce((sum, w) => sum + w.errors, 0);
    const statements = median(ledgerWindows.map((w) => w.statements));
    const rounds = (windows: { tps: number }[]) => windows.map((w) => w.tps.toFixed(0)).join(", ");
    const pgbenchLine = (scale: number) => `pgbench TPC-B-like, scale ${scale} (-c ${CLIENTS} -j 2 -T ${SECONDS}): `.padEnd(49);
    console.log(
      `${"ledger transfers through the gateway: ".padEnd(49)}${tps.toFixed(0)} /s median of ${ROUNDS} (${rounds(ledgerWindows)}); p50 ${ms(percentile(latencies, 50))} ms, p99 ${ms(percentile(latencies, 99))} ms; ${errors} refused or failed; ${statements.toFixed(1)} SQL statements per transfer`,
    );
    console.log(
      `${pgbenchLine(1)}${contendedTps.toFixed(0)} tps median of ${ROUNDS} (${rounds(contendedWindows)}): one branch row for ${CLIENTS} clients, mostly lock contention`,
    );
    console.log(`${pgbenchLine(honest.scale)}${honestTps.toFixed(0)} tps median of ${ROUNDS} (${rounds(honestWindows)}): scale >= clients`);
    const medianCpu = (windows: { cpu: CpuPerOperation | null }[]) => {
      const cpus = windows.map((w) => w.cpu).filter((c) => c !== null);
      if (cpus.length === 0) return null;
      const of = (k: Exclude<keyof CpuReading, "postgres">) => median(cpus.map((c) => c[k]));
      const postgres = cpus.every((c) => c.postgres !== null) ? median(cpus.map((c) => c.postgres!)) : null;
      return {
        clients: of("clients"),
        gateway: of("gateway"),
        ledger: of("ledger"),
        identity: of("identity"),
        others: of("others"),
        postgres,
        pgbench: of("pgbench"),
      };
    };
    const pg = (value: number | null) => (value === null ? "PostgreSQL n/a" : `PostgreSQL ${ms(value)}`);
    const transferCpu = medianCpu(ledgerWindows);
    if (transferCpu) {
      const { clients: c, gateway: g, ledger: l, identity: i, others: o, postgres: p } = transferCpu;
      const drains = ledgerWindows.map((w) => w.drainSeconds);
      console.log(
        `CPU per transfer, by process: ${ms(c + g + l + i + o + (p ?? 0))} ms${p === null ? " without PostgreSQL" : ""} = clients (the bench process) ${ms(c)} + gateway ${ms(g)} + ledger ${ms(l)} + identity ${ms(i)} + ` +
          `${OTHERS.join(", ")} ${ms(o)} + ${pg(p)}`,
      );
      console.log(
        `  read once the job queue (the recipients' notifications) had drained after each window: ${drains.map((d) => (d === null ? "NOT within 300 s" : `${d.toFixed(1)} s`)).join(", ")} after it`,
      );
      for (const [scale, windows] of [
        [1, contendedWindows],
        [honest.scale, honestWindows],
      ] as const) {
        const t = medianCpu(windows)!;
        console.log(`CPU per pgbench transaction, scale ${scale}: ${ms(t.pgbench + (t.postgres ?? 0))} ms = pgbench ${ms(t.pgbench)} + ${pg(t.postgres)}`);
      }
      const rest = medianCpu([...contendedWindows, ...honestWindows].map((w) => ({ cpu: w.graphAtRest })))!;
      const restTotal = rest.gateway + rest.ledger + rest.identity + rest.others;
      // Background work runs through the window and the drain alike, and is divided by the window's transfers.
      const restShare = median(ledgerWindows.map((w) => (restTotal * (w.elapsedSeconds + (w.drainSeconds ?? 0))) / (w.tps * w.elapsedSeconds)));
      console.log(
        `  the graph at rest (during pgbench's windows): ${ms(restTotal)} ms of CPU per second = gateway ${ms(rest.gateway)} + ledger ${ms(rest.ledger)} + identity ${ms(rest.identity)} + ` +
          `${OTHERS.join(", ")} ${ms(rest.others)}; about ${ms(restShare)} ms of each transfer's figure above is that background`,
      );
      if (p !== null)
        console.log(
          `  (PostgreSQL: every process of the bench's server, ${SERVER.replace(/\/\/[^@]*@/, "//")}; its other databases ran at least ${othersTxns.toFixed(0)} transactions during the rounds, in those figures too)`,
        );
    }
    console.log(`ratio against scale ${honest.scale}: ${(tps / honestTps).toFixed(2)} (target >= 0.4, issue 24: ${tps / honestTps >= 0.4 ? "met" : "MISSED"})`);
    console.log(`ratio against scale 1: ${(tps / contendedTps).toFixed(2)} (the baseline this bench used before; contended, so flattering)`);
    console.log(`(load average at the end: ${(await readFile("/proc/loadavg", "utf8")).split(" ").slice(0, 3).join(" ")})`);
  } finally {
    stage("stopping the graph");
    for (const cleanup of cleanups.reverse()) await cleanup().catch((e: unknown) => stage(`cleanup: ${String(e)}`));
  }
}

await main();
process.exit(0);
