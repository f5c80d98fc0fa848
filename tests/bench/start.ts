// `pnpm bench:start`: `pnpm start` in one process, in one per core ("auto") and in one per piece
// (GRAPH_PROCESSES 1, min(cores, 7), 7), on the same database, under bench:gateway's heavy page (a search page of 20 listings with
// owners, photos and similar listings), each request as a different signed-in member.
// Rounds alternate the modes (each started afresh, warmed 3 s, then measured), so a shared
// machine's load falls on both alike. Prints time to ready, requests/s, p50/p95, CPU per request
// of the graph's processes (main and children) and of the PostgreSQL server, and memory (RSS).
// Needs DATABASE_URL (a fresh database is made on that server). BENCH_ROUNDS (2),
// BENCH_SLOT_SECONDS (10), BENCH_CONNECTIONS (32), BENCH_CALLERS (64).
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { SUBGRAPH_NAMES } from "@localex/common";
import { cpuAccounting, postgresServerCpuMs, postmasterPidOf, processCpuMs } from "./cpu.ts";
import { Callers, load, type Slot } from "./gateway-load.ts";
import { registerCallers, seedCatalogue } from "./gateway-seed.ts";
import { BENCH_RATE_LIMITS, stage } from "./support.ts";
import { freePort, freshDatabase } from "../harness/databases.ts";
import { startGraphProcess } from "../harness/pieces.ts";
import { testGraphEnvironment } from "../harness/secrets.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const SLOT_SECONDS = Number(process.env.BENCH_SLOT_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const CALLERS = Number(process.env.BENCH_CALLERS ?? 64);
const MODES = [...new Set([1, Math.min(availableParallelism(), 7), 7])];
type Mode = number;

interface Graph {
  main: ChildProcess;
  url: string;
  readySeconds: number;
  /** The graph's processes now: main and the pieces it started. */
  pids: () => number[];
  stop: () => Promise<void>;
}

async function startGraph(mode: Mode, env: NodeJS.ProcessEnv): Promise<Graph> {
  const started = performance.now();
  const graph = await startGraphProcess({ ...env, GRAPH_PROCESSES: String(mode) });
  const main = graph.child;
  const readySeconds = (performance.now() - started) / 1000;
  return {
    main,
    url: `http://127.0.0.1:${env.PORT}/graphql`,
    readySeconds,
    pids: () => [main.pid!, ...graph.children()],
    stop: async () => {
      main.kill("SIGTERM");
      await graph.exited;
    },
  };
}

const rssMb = (pid: number) => {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB/m);
  return line ? Number(line[1]) / 1024 : 0;
};
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;

async function main(): Promise<void> {
  if (!process.env.DATABASE_URL) throw new Error("bench:start needs DATABASE_URL (a PostgreSQL server; it makes a fresh database there)");
  if (!cpuAccounting) throw new Error("bench:start reads each process's CPU time from /proc (Linux only)");
  const database = await freshDatabase(process.env.DATABASE_URL, "localex_bench_start");
  const dataDir = await mkdtemp(join(tmpdir(), "localex-bench-start-"));
  await chmod(dataDir, 0o755);
  const probe = postgres(database.url, { max: 1, onnotice: () => {} });
  let graph: Graph | undefined;
  try {
    const [row] = await probe<{ dataDirectory: string }[]>`select current_setting('data_directory') as "dataDirectory"`;
    const postmaster = postmasterPidOf(row!.dataDirectory);
    const env: NodeJS.ProcessEnv = {
      ...testGraphEnvironment(),
      ...BENCH_RATE_LIMITS,
      LOG_LEVEL: "warn",
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      SMTP_URL: "",
      HOST: "127.0.0.1",
      PORT: String(await freePort()),
      ACCESS_TOKEN_TTL_SECONDS: "86400",
    };
    delete env.REDIS_URL;
    for (const name of SUBGRAPH_NAMES) env[`${name.toUpperCase()}_PORT`] = String(await freePort());

    stage("seeding the catalogue and the members through a graph in one process");
    graph = await startGraph(1, env);
    await seedCatalogue(graph.url);
    const callers = new Callers((await registerCallers(graph.url, CALLERS)).map((c) => c.accessToken));
    await graph.stop();
    graph = undefined;

    const results = new Map<Mode, { ready: number[]; slots: Slot[]; graphCpu: number[]; rss: number[] }>(
      MODES.map((m) => [m, { ready: [], slots: [], graphCpu: [], rss: [] }]),
    );
    for (let round = 1; round <= ROUNDS; round++) {
      for (const mode of MODES) {
        graph = await startGraph(mode, env);
        const pids = graph.pids();
        const contender = { key: "ours" as const, name: String(mode), url: graph.url, pid: () => pids[0]!, stop: async () => {} };
        const backend = {
          subgraphs: () => Object.fromEntries(pids.slice(1).map((pid) => [String(pid), processCpuMs(pid)])),
          postgres: () => postgresServerCpuMs(postmaster),
        };
        await load(contender, 3, CONNECTIONS, callers, backend);
        const slot = await load(contender, SLOT_SECONDS, CONNECTIONS, callers, backend);
        const r = results.get(mode)!;
        r.ready.push(graph.readySeconds);
        r.slots.push(slot);
        r.graphCpu.push((slot.cpu.gateway + slot.cpu.subgraphs) / slot.requests);
        r.rss.push(pids.reduce((sum, pid) => sum + rssMb(pid), 0));
        stage(
          `round ${round}/${ROUNDS}, ${mode} processes: ${(slot.requests / slot.seconds).toFixed(1)}/s, ${slot.failed} failed${slot.firstFailure ? ` (${slot.firstFailure.slice(0, 200)})` : ""}`,
        );
        await graph.stop();
        graph = undefined;
      }
    }

    console.log(
      `\npnpm start in 1, ${MODES.slice(1).join(" and ")} processes (GRAPH_PROCESSES), ${availableParallelism()} cores: ${CONNECTIONS} connections, ${CALLERS} members, ${ROUNDS} rounds of ${SLOT_SECONDS} s`,
    );
    console.log("| processes | ready (s) | req/s | p50 ms | p95 ms | failed | graph CPU ms/req | PostgreSQL CPU ms/req | RSS MiB |");
    console.log("|---|---|---|---|---|---|---|---|---|");
    for (const mode of MODES) {
      const r = results.get(mode)!;
      const requests = r.slots.reduce((s, x) => s + x.requests, 0);
      const seconds = r.slots.reduce((s, x) => s + x.seconds, 0);
      const latencies = r.slots.flatMap((x) => x.latencies).sort((a, b) => a - b);
      const pg = r.slots.reduce((s, x) => s + (x.cpu.postgres ?? 0), 0) / requests;
      const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
      console.log(
        `| ${mode} | ${mean(r.ready).toFixed(1)} | ${(requests / seconds).toFixed(1)} | ${percentile(latencies, 50).toFixed(1)} | ${percentile(latencies, 95).toFixed(1)} | ${r.slots.reduce((s, x) => s + x.failed, 0)} | ${mean(r.graphCpu).toFixed(2)} | ${pg.toFixed(2)} | ${mean(r.rss).toFixed(0)} |`,
      );
    }
  } finally {
    await graph?.stop();
    await probe.end({ timeout: 5 });
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
