// `pnpm bench:gateway [--callers N]`: our gateway against its peers on one heavy, realistic
// query (a search page of 20 listings with owner, rating, avatar, photos, and similar listings
// with their owners), 32 connections. Seven gateways (gateway-contenders.ts: ours, stock
// @apollo/gateway, Hive Gateway, Hive Gateway with its Rust query planner; with in-flight
// deduplication on and off), each in a process of its own, on the same six subgraphs (each in
// its own process), the same supergraph and the same PostgreSQL server.
// Two modes:
//   (default)     every request anonymous and identical: what in-flight deduplication is best
//                 at, since concurrent requests need the same subgraph answers
//   --callers N   N members registered beforehand, every request as a different one (the one
//                 who has waited longest; none in two requests at once), as the public
//                 federation benchmarks do: no gateway can share an answer between callers,
//                 and every one verifies the member's token and signs subgraph requests for them
// Rounds interleave the gateways (each in turn, then again), so a shared machine's load falls
// on all of them alike. Prints requests/s, p50/p95/p99, CPU time per request of the gateway's
// process, the six subgraphs' and the bench's PostgreSQL server (from /proc), and ratios only
// like for like (gateway-report.ts).
// Needs DATABASE_URL (a fresh database is made on that server). BENCH_ROUNDS (4),
// BENCH_SLOT_SECONDS (6), BENCH_CONNECTIONS (32), BENCH_PROFILE (a folder: V8 CPU profiles of ours,
// dedup off, and of the six subgraphs), BENCH_GATEWAYS (a comma-separated subset of the keys in
// gateway-load.ts, e.g. oursOff while profiling; the ratios need all seven).
// Before the rounds it counts, per gateway, the subgraph operations and SQL statements one page
// costs (gateway-fetches.ts).
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import postgres, { type Sql } from "postgres";
import { Pool } from "undici";
import { SUBGRAPH_NAMES } from "@localex/common";
import { cpuAccounting, postgresServerCpuMs, postmasterPidOf, processCpuMs } from "./cpu.ts";
import { checkPlanners, startContenders } from "./gateway-contenders.ts";
import { perPage, type PerPage } from "./gateway-fetches.ts";
import { ask, Callers, load, shapeOf, type BackendCpu, type Contender, type Slot } from "./gateway-load.ts";
import { printTable, printVerdicts, summarise } from "./gateway-report.ts";
import { registerCallers, seedCatalogue, type BenchCaller } from "./gateway-seed.ts";
import { BENCH_RATE_LIMITS, gql, stage } from "./support.ts";
import { freePort, freshDatabase } from "../harness/databases.ts";
import { servePiece, stopPiece, untilHealthy, type Piece } from "../harness/pieces.ts";
import { testGraphEnvironment } from "../harness/secrets.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const SLOT_SECONDS = Number(process.env.BENCH_SLOT_SECONDS ?? 6);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** `--callers N` (0: the identical anonymous query). */
function callersOption(): number {
  const { values } = parseArgs({ options: { callers: { type: "string" } } });
  const callers = values.callers === undefined ? 0 : Number(values.callers);
  if (!Number.isInteger(callers) || callers < 0) throw new Error(`--callers takes a number of members, not ${values.callers}`);
  // Fewer members than connections would put one member in two requests at once.
  if (callers > 0 && callers < CONNECTIONS)
    throw new Error(`--callers ${callers}: at least one member per connection (${CONNECTIONS}), so no two requests in flight share a caller`);
  return callers;
}

/**
 * The postmaster of the server `probe` is connected to, to read that server's CPU alone; null
 * (with why) when it cannot be read here: a server on another machine, or no access to its
 * data directory.
 */
async function postmasterOf(probe: Sql, serverUrl: string): Promise<number | null> {
  if (!["127.0.0.1", "localhost", "[::1]"].includes(new URL(serverUrl).hostname)) {
    stage("PostgreSQL's CPU is not counted: the server is not on this machine");
    return null;
  }
  try {
    const [row] = await probe<{ dataDirectory: string }[]>`select current_setting('data_directory') as "dataDirectory"`;
    return postmasterPidOf(row!.dataDirectory);
  } catch (error) {
    stage(`PostgreSQL's CPU is not counted: its postmaster.pid could not be read (${String(error)})`);
    return null;
  }
}

/**
 * Transactions in the server's other databases so far (pg_stat_database, flushed by each
 * backend within a second or so): their work is in the server's CPU, so the bench says how much
 * of it there was.
 */
async function othersTransactions(probe: Sql, ours: string): Promise<number> {
  const [row] = await probe<{ n: number }[]>`
    select coalesce(sum(xact_commit + xact_rollback), 0)::float8 as n from pg_stat_database
    where datname is not null and datname <> ${ours}`;
  return row?.n ?? 0;
}

/** Every gateway answers the same page, and in `--callers` mode knows the member it is asked as. */
async function checkContenders(contenders: Contender[], callers: BenchCaller[]): Promise<void> {
  const shapes = new Set<string>();
  for (const [i, c] of contenders.entries()) {
    const pool = new Pool(new URL(c.url).origin);
    const caller = callers[i % Math.max(callers.length, 1)];
    shapes.add(shapeOf(await ask(pool, "/graphql", caller?.accessToken)));
    await pool.close();
    if (!caller) continue;
    // The subgraphs see whom the gateway signed for: identity answers `me` from the caller token alone.
    const { me } = await gql<{ me: { id: string } | null }>(c.url, `{ me { id } }`, {}, caller.accessToken);
    if (me?.id !== caller.userId) throw new Error(`${c.name} does not pass the caller on: me is ${JSON.stringify(me)}, not ${caller.userId}`);
  }
  if (shapes.size !== 1) throw new Error(`the gateways answer different pages:\n${[...shapes].join("\n")}`);
  const sample = JSON.parse([...shapes][0]!) as { totalCount: number; nodes: [string, string, boolean, number, string[]][] };
  stage(
    `the page: ${sample.nodes.length} listings of ${sample.totalCount}, ${sample.nodes.filter((n) => n[2]).length} owners with avatars, ${sample.nodes.reduce((s, n) => s + (n[3] ?? 0), 0)} photos, ${sample.nodes.reduce((s, n) => s + (n[4]?.length ?? 0), 0)} similar listings`,
  );
}

async function main(): Promise<void> {
  if (!process.env.DATABASE_URL) throw new Error("bench:gateway needs DATABASE_URL (a PostgreSQL server; it makes a fresh database there)");
  if (!cpuAccounting) throw new Error("bench:gateway reads each process's CPU time from /proc (Linux only)");
  const callerCount = callersOption();
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const database = await freshDatabase(process.env.DATABASE_URL, "localex_bench_gateway");
    cleanups.push(database.drop);
    const probe = postgres(database.url, { max: 1, onnotice: () => {}, connection: { application_name: "localex-bench-probe" } });
    cleanups.push(() => probe.end({ timeout: 5 }));
    const dataDir = await mkdtemp(join(tmpdir(), "localex-bench-gateway-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const ports = Object.fromEntries(await Promise.all(SUBGRAPH_NAMES.map(async (name) => [name, await freePort()] as const)));
    const env: NodeJS.ProcessEnv = {
      ...testGraphEnvironment(),
      ...BENCH_RATE_LIMITS,
      LOG_LEVEL: "warn",
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      REDIS_URL: "",
      SMTP_URL: "",
      HOST: "127.0.0.1",
      SUBGRAPH_HOST: "127.0.0.1",
      // The members' access tokens are issued before the rounds and must last through them (15 min by default).
      ACCESS_TOKEN_TTL_SECONDS: "86400",
    };
    for (const name of SUBGRAPH_NAMES) {
      env[`${name.toUpperCase()}_PORT`] = String(ports[name]);
      env[`${name.toUpperCase()}_URL`] = `http://127.0.0.1:${ports[name]}/graphql`;
    }
    stage("starting the six subgraphs, each in its own process");
    const pieces: Piece[] = [];
    cleanups.push(() => Promise.all(pieces.map(stopPiece)).then(() => {}));
    const profiled = process.env.BENCH_PROFILE ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.BENCH_PROFILE}` } : {};
    const subgraphs = SUBGRAPH_NAMES.map((name) => servePiece(name, { ...env, ...profiled }));
    pieces.push(...subgraphs);
    await Promise.all(SUBGRAPH_NAMES.map((name, i) => untilHealthy(`http://127.0.0.1:${ports[name]}/healthz`, subgraphs[i]!)));
    const postmaster = await postmasterOf(probe, process.env.DATABASE_URL);
    const backend: BackendCpu = {
      subgraphs: () => Object.fromEntries(SUBGRAPH_NAMES.map((name, i) => [name, processCpuMs(subgraphs[i]!.child.pid ?? 0)])),
      postgres: () => (postmaster === null ? null : postgresServerCpuMs(postmaster)),
    };

    // One supergraph for all: schema/supergraph.graphql with its routing URLs on these subgraphs.
    let supergraph = await readFile(join(ROOT, "schema/supergraph.graphql"), "utf8");
    for (const name of SUBGRAPH_NAMES)
      supergraph = supergraph.replace(new RegExp(`(@join__graph\\(name: "${name}", url: ")[^"]+`), `$1${env[`${name.toUpperCase()}_URL`]}`);
    const supergraphPath = join(dataDir, "supergraph.graphql");
    await writeFile(supergraphPath, supergraph);

    stage("starting the seven gateways");
    const contenders = await startContenders(env, supergraphPath, pieces, cleanups);

    stage("seeding the catalogue through our gateway");
    try {
      await seedCatalogue(contenders[0]!.url);
    } catch (e) {
      // What the pieces logged at warn and above (LOG_LEVEL), so a failed seed says why.
      for (const piece of pieces) if (piece.output().trim()) console.error(`--- ${piece.child.spawnargs.slice(-1)[0]}:\n${piece.output().slice(-8000)}`);
      throw e;
    }
    let members: BenchCaller[] = [];
    if (callerCount > 0) {
      stage(`registering ${callerCount} members to read the page, one per request`);
      members = await registerCallers(contenders[0]!.url, callerCount);
    }
    await checkContenders(contenders, members);
    await checkPlanners(contenders);
    const callers = callerCount > 0 ? new Callers(members.map((m) => m.accessToken)) : null;
    const metricsUrls = SUBGRAPH_NAMES.map((name) => `http://127.0.0.1:${ports[name]}/metrics`);
    const pages = new Map<string, PerPage>();
    for (const c of contenders) pages.set(c.name, await perPage(c, metricsUrls, callers));

    stage("warming up each gateway (3 s)");
    for (const c of contenders) await load(c, 3, CONNECTIONS, callers, backend);

    const slots = new Map<string, Slot[]>(contenders.map((c) => [c.name, []]));
    const othersBefore = await othersTransactions(probe, database.name);
    for (let round = 1; round <= ROUNDS; round++) {
      const line: string[] = [];
      for (const c of contenders) {
        const slot = await load(c, SLOT_SECONDS, CONNECTIONS, callers, backend);
        slots.get(c.name)!.push(slot);
        line.push(`${c.key} ${(slot.requests / slot.seconds).toFixed(0)}/s ${(slot.cpu.gateway / slot.requests).toFixed(2)} ms`);
      }
      stage(`round ${round}/${ROUNDS}: ${line.join(" | ")}`);
    }
    const othersDuring = (await othersTransactions(probe, database.name)) - othersBefore;

    const summaries = contenders.map((c) => summarise(c.key, c.name, slots.get(c.name)!, pages.get(c.name)!));
    const who =
      callerCount > 0
        ? `a signed-in member per request (${callerCount} members in turn, none in two requests at once)`
        : "every request anonymous and identical";
    console.log(
      `\nA search page (20 listings; owner, rating, avatar, 2 photos each, similar(first: 3) with owners and avatars), ${who}; ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds of ${SLOT_SECONDS} s per gateway`,
    );
    printTable(summaries);
    printVerdicts(summaries);
    const loadAverage = (await readFile("/proc/loadavg", "utf8")).split(" ").slice(0, 3).join(" ");
    const postgresNote =
      postmaster === null
        ? "PostgreSQL's CPU not read"
        : `PostgreSQL is the whole server at DATABASE_URL; its other databases ran ${othersDuring.toFixed(0)} transactions during the rounds`;
    console.log(`\n(${postgresNote}. Load average at the end: ${loadAverage})`);
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((e: unknown) => stage(`cleanup: ${String(e)}`));
  }
}

await main();
