// `pnpm bench:gateway`: our gateway against its peers on one heavy, realistic query (an
// anonymous search page of 20 listings with owner, rating, avatar, photos, and similar
// listings with their owners), 32 connections. Five gateways, each in a process of its own,
// on the same six subgraphs (each in its own process) and the same supergraph:
//   ours                       `pnpm serve gateway` (in-flight deduplication on, its default)
//   ours, dedup off            the same, GATEWAY_DEDUPLICATE_FETCHES=false (like for like with stock)
//   stock @apollo/gateway      tests/bench/peers/apollo-gateway.ts
//   Hive Gateway, defaults     tests/bench/peers/hive-gateway.ts (it deduplicates in-flight fetches)
//   Hive Gateway, dedup off    the same, HIVE_DEDUPLICATE=false
// Rounds interleave the gateways (each in turn, then again), so a shared
// machine's load falls on all of them alike. Prints requests/s, p50/p95/p99, each gateway
// process's CPU time per request (from /proc), and the ratios against the targets.
// Needs DATABASE_URL (a fresh database is made on that server). BENCH_ROUNDS (4),
// BENCH_SLOT_SECONDS (6), BENCH_CONNECTIONS (32), BENCH_PROFILE (a folder: profiles ours, dedup off).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Pool } from "undici";
import { SUBGRAPH_NAMES } from "@localex/common";
import { cpuAccounting, processCpuMs } from "./cpu.ts";
import { SEARCH_WORD, seedCatalogue } from "./gateway-seed.ts";
import { BENCH_RATE_LIMITS, stage } from "./support.ts";
import { freePort, freshDatabase } from "../harness/databases.ts";
import { servePiece, stopPiece, untilHealthy, type Piece } from "../harness/pieces.ts";
import { testGraphEnvironment } from "../harness/secrets.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const SLOT_SECONDS = Number(process.env.BENCH_SLOT_SECONDS ?? 6);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export const SEARCH_PAGE = /* GraphQL */ `
  query SearchPage($query: String, $first: Int) {
    search(query: $query, first: $first) {
      totalCount
      edges {
        node {
          id title creditPrice condition
          category { id name }
          owner { id displayName rating avatar { url(variant: THUMBNAIL) } }
          photos { id width height url(variant: MEDIUM) }
          similar(first: 3) { id title creditPrice owner { id displayName avatar { url(variant: THUMBNAIL) } } }
        }
      }
    }
  }
`;
const BODY = JSON.stringify({ query: SEARCH_PAGE, variables: { query: SEARCH_WORD, first: 20 } });

interface Contender {
  name: string;
  url: string;
  pid: () => number;
  stop: () => Promise<void>;
}

interface Slot {
  requests: number;
  /** Answers with errors (or not 200): counted, not timed; the first is kept to print. */
  failed: number;
  firstFailure?: string;
  seconds: number;
  latencies: number[];
  cpuMs: number;
}

/** A peer gateway in its own process (tests/bench/peers/<script>), once it says it listens. */
async function startPeer(name: string, script: string, env: NodeJS.ProcessEnv): Promise<Contender> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ["--import", "@swc-node/register/esm-register", `tests/bench/peers/${script}`], {
    cwd: ROOT,
    env: { ...env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
  for (let i = 0; !output.includes("listening"); i++) {
    if (child.exitCode !== null || i > 1200) throw new Error(`${name} did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return {
    name,
    url: `http://127.0.0.1:${port}/graphql`,
    pid: () => child.pid ?? 0,
    async stop() {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}

/** One request; the page must come back whole (20 listings, no errors). */
async function ask(pool: Pool, path: string): Promise<string> {
  const response = await pool.request({ path, method: "POST", headers: { "content-type": "application/json" }, body: BODY });
  const text = await response.body.text();
  if (response.statusCode !== 200 || text.includes('"errors"')) throw new Error(`HTTP ${response.statusCode}: ${text.slice(0, 500)}`);
  return text;
}

/** `CONNECTIONS` clients, each sending the page again as soon as it is answered, for `seconds`. */
async function load(contender: Contender, seconds: number): Promise<Slot> {
  const url = new URL(contender.url);
  const pool = new Pool(url.origin, { connections: CONNECTIONS, pipelining: 1 });
  const latencies: number[] = [];
  let failed = 0;
  let firstFailure: string | undefined;
  const cpuBefore = processCpuMs(contender.pid());
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < until) {
        const t = performance.now();
        try {
          await ask(pool, url.pathname);
          latencies.push(performance.now() - t);
        } catch (e) {
          failed++;
          firstFailure ??= (e as Error).message;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const cpuMs = processCpuMs(contender.pid()) - cpuBefore;
  await pool.close();
  return { requests: latencies.length + failed, failed, firstFailure, seconds: elapsed, latencies, cpuMs };
}

/** The page as a shape to compare across gateways: ids, counts, no URLs (signed ones differ per request). */
function shapeOf(text: string): string {
  const page = JSON.parse(text) as { data: { search: { totalCount: number; edges: { node: { id: string; photos: unknown[] | null; similar: { id: string }[] | null; owner: { id: string; avatar: unknown } } }[] } } };
  const { search } = page.data;
  return JSON.stringify({
    totalCount: search.totalCount,
    nodes: search.edges.map(({ node }) => [node.id, node.owner.id, Boolean(node.owner.avatar), node.photos?.length, node.similar?.map((s) => s.id)]),
  });
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function main(): Promise<void> {
  if (!process.env.DATABASE_URL) throw new Error("bench:gateway needs DATABASE_URL (a PostgreSQL server; it makes a fresh database there)");
  if (!cpuAccounting) throw new Error("bench:gateway reads each gateway's CPU time from /proc (Linux only)");
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const database = await freshDatabase(process.env.DATABASE_URL, "localex_bench_gateway");
    cleanups.push(database.drop);
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
    };
    for (const name of SUBGRAPH_NAMES) {
      env[`${name.toUpperCase()}_PORT`] = String(ports[name]);
      env[`${name.toUpperCase()}_URL`] = `http://127.0.0.1:${ports[name]}/graphql`;
    }
    stage("starting the six subgraphs, each in its own process");
    const pieces: Piece[] = [];
    cleanups.push(() => Promise.all(pieces.map(stopPiece)).then(() => {}));
    for (const name of SUBGRAPH_NAMES) pieces.push(servePiece(name, env));
    await Promise.all(SUBGRAPH_NAMES.map((name, i) => untilHealthy(`http://127.0.0.1:${ports[name]}/healthz`, pieces[i]!)));

    // One supergraph for all: schema/supergraph.graphql with its routing URLs on these subgraphs.
    let supergraph = await readFile(join(ROOT, "schema/supergraph.graphql"), "utf8");
    for (const name of SUBGRAPH_NAMES) supergraph = supergraph.replace(new RegExp(`(@join__graph\\(name: "${name}", url: ")[^"]+`), `$1${env[`${name.toUpperCase()}_URL`]}`);
    const supergraphPath = join(dataDir, "supergraph.graphql");
    await writeFile(supergraphPath, supergraph);

    stage("starting the five gateways");
    const oursPort = await freePort();
    const ours = servePiece("gateway", { ...env, PORT: String(oursPort) });
    const oursOffPort = await freePort();
    // BENCH_PROFILE=<dir>: this gateway writes a V8 CPU profile there when it stops (node --cpu-prof).
    const profile = process.env.BENCH_PROFILE ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.BENCH_PROFILE}` } : {};
    const oursOff = servePiece("gateway", { ...env, ...profile, PORT: String(oursOffPort), GATEWAY_DEDUPLICATE_FETCHES: "false" });
    pieces.push(ours, oursOff);
    await untilHealthy(`http://127.0.0.1:${oursPort}/healthz`, ours);
    await untilHealthy(`http://127.0.0.1:${oursOffPort}/healthz`, oursOff);
    const peerEnv = { ...env, SUPERGRAPH_PATH: supergraphPath };
    const contenders: Contender[] = [
      { name: "ours", url: `http://127.0.0.1:${oursPort}/graphql`, pid: () => ours.child.pid ?? 0, stop: () => stopPiece(ours) },
      { name: "ours (dedup off)", url: `http://127.0.0.1:${oursOffPort}/graphql`, pid: () => oursOff.child.pid ?? 0, stop: () => stopPiece(oursOff) },
      await startPeer("stock @apollo/gateway 2.14", "apollo-gateway.ts", peerEnv),
      await startPeer("Hive Gateway 2.15 (defaults)", "hive-gateway.ts", peerEnv),
      await startPeer("Hive Gateway 2.15 (dedup off)", "hive-gateway.ts", { ...peerEnv, HIVE_DEDUPLICATE: "false" }),
    ];
    for (const c of contenders.slice(2)) cleanups.push(c.stop);

    stage("seeding the catalogue through our gateway");
    await seedCatalogue(contenders[0]!.url);

    // Every gateway gives the same page (and signs its subgraph requests, or they would refuse it).
    const shapes = new Set<string>();
    for (const c of contenders) {
      const pool = new Pool(new URL(c.url).origin);
      shapes.add(shapeOf(await ask(pool, "/graphql")));
      await pool.close();
    }
    if (shapes.size !== 1) throw new Error(`the gateways answer different pages:\n${[...shapes].join("\n")}`);
    const sample = JSON.parse([...shapes][0]!) as { totalCount: number; nodes: [string, string, boolean, number, string[]][] };
    stage(`the page: ${sample.nodes.length} listings of ${sample.totalCount}, ${sample.nodes.filter((n) => n[2]).length} owners with avatars, ${sample.nodes.reduce((s, n) => s + (n[3] ?? 0), 0)} photos, ${sample.nodes.reduce((s, n) => s + (n[4]?.length ?? 0), 0)} similar listings`);

    stage("warming up each gateway (3 s)");
    for (const c of contenders) await load(c, 3);

    const slots = new Map<string, Slot[]>(contenders.map((c) => [c.name, []]));
    for (let round = 1; round <= ROUNDS; round++) {
      const line: string[] = [];
      for (const c of contenders) {
        const slot = await load(c, SLOT_SECONDS);
        slots.get(c.name)!.push(slot);
        line.push(`${c.name.split(" ")[0]}${c.name.includes("dedup off") ? " (no dedup)" : ""} ${(slot.requests / slot.seconds).toFixed(0)}/s ${(slot.cpuMs / slot.requests).toFixed(2)} ms`);
      }
      stage(`round ${round}/${ROUNDS}: ${line.join(" | ")}`);
    }

    const summary = contenders.map((c) => {
      const s = slots.get(c.name)!;
      const requests = s.reduce((n, x) => n + x.requests, 0);
      const seconds = s.reduce((n, x) => n + x.seconds, 0);
      const latencies = s.flatMap((x) => x.latencies).sort((a, b) => a - b);
      const failed = s.reduce((n, x) => n + x.failed, 0);
      const firstFailure = s.find((x) => x.firstFailure)?.firstFailure;
      return { name: c.name, failed, firstFailure, rps: requests / seconds, cpu: s.reduce((n, x) => n + x.cpuMs, 0) / requests, p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), requests };
    });
    console.log(`\nAn anonymous search page (20 listings; owner, rating, avatar, 2 photos each, similar(first: 3) with owners and avatars), ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds of ${SLOT_SECONDS} s per gateway`);
    console.log(`${"gateway".padEnd(32)}${"req/s".padStart(8)}${"p50".padStart(10)}${"p95".padStart(10)}${"p99".padStart(10)}${"CPU/req".padStart(12)}${"requests".padStart(10)}`);
    for (const s of summary) {
      console.log(`${s.name.padEnd(32)}${s.rps.toFixed(1).padStart(8)}${`${s.p50.toFixed(1)} ms`.padStart(10)}${`${s.p95.toFixed(1)} ms`.padStart(10)}${`${s.p99.toFixed(1)} ms`.padStart(10)}${`${s.cpu.toFixed(2)} ms`.padStart(12)}${String(s.requests).padStart(10)}`);
    }
    for (const s of summary.filter((x) => x.failed > 0)) console.log(`${s.name}: ${s.failed} answers with errors (counted in req/s, not in latencies); the first: ${s.firstFailure!.slice(0, 300)}`);
    const [o, oOff, stock, hive, hiveOff] = summary as [typeof summary[0], typeof summary[0], typeof summary[0], typeof summary[0], typeof summary[0]];
    const verdict = (ok: boolean) => (ok ? "met" : "MISSED");
    console.log(`\nours' gateway CPU per request ÷ stock's:              ${(o.cpu / stock.cpu).toFixed(2)} (target ≤ 0.50: ${verdict(o.cpu / stock.cpu <= 0.5)})`);
    console.log(`ours' gateway CPU per request ÷ Hive's (dedup off):    ${(o.cpu / hiveOff.cpu).toFixed(2)} (target ≤ 0.83: ${verdict(o.cpu / hiveOff.cpu <= 1 / 1.2)})`);
    console.log(`ours' gateway CPU per request ÷ Hive's (defaults):     ${(o.cpu / hive.cpu).toFixed(2)}`);
    console.log(`ours' throughput ÷ Hive Gateway's (defaults):          ${(o.rps / hive.rps).toFixed(2)}× (target ≥ 1.2: ${verdict(o.rps / hive.rps >= 1.2)})`);
    console.log(`ours' throughput ÷ stock's:                            ${(o.rps / stock.rps).toFixed(2)}×`);
    console.log(`like for like, deduplication off on both sides: ours' CPU per request ÷ stock's ${(oOff.cpu / stock.cpu).toFixed(2)}, ÷ Hive's ${(oOff.cpu / hiveOff.cpu).toFixed(2)}; throughput ÷ Hive's ${(oOff.rps / hiveOff.rps).toFixed(2)}×`);
    console.log(`(measured on a shared machine: ${(await readFile("/proc/loadavg", "utf8")).split(" ").slice(0, 3).join(" ")} load average at the end)`);
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((e: unknown) => stage(`cleanup: ${String(e)}`));
  }
}

await main();
