// The gateways `pnpm bench:gateway` compares, each in a process of its own on the same six
// subgraphs and the same supergraph, in pairs with in-flight deduplication on and off:
//   ours                              `pnpm serve gateway` (deduplication on, its default)
//   ours (dedup off)                  the same, GATEWAY_DEDUPLICATE_FETCHES=false
//   stock @apollo/gateway             peers/apollo-gateway.ts (it has no deduplication)
//   Hive Gateway (defaults)           peers/hive-gateway.ts (it deduplicates in-flight fetches)
//   Hive Gateway (dedup off)          the same, HIVE_DEDUPLICATE=false
//   Hive + router runtime (defaults)  the same with the Rust query planner, HIVE_ROUTER_RUNTIME=true
//   Hive + router runtime (dedup off) both
import { spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { Contender, ContenderKey } from "./gateway-load.ts";
import { freePort } from "../harness/databases.ts";
import { LOAD_TYPESCRIPT, servePiece, stopPiece, untilHealthy, type Piece } from "../harness/pieces.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** A peer gateway in its own process (tests/bench/peers/<script>), once it says it listens. */
async function startPeer(key: ContenderKey, name: string, script: string, env: NodeJS.ProcessEnv): Promise<Contender> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [...LOAD_TYPESCRIPT, `tests/bench/peers/${script}`], {
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
    key,
    name,
    url: `http://127.0.0.1:${port}/graphql`,
    pid: () => child.pid ?? 0,
    async stop() {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}

/** Ours as `pnpm serve gateway` runs it, on `env`, once it is healthy. */
async function startOurs(key: ContenderKey, name: string, env: NodeJS.ProcessEnv, pieces: Piece[]): Promise<Contender> {
  const port = await freePort();
  const piece = servePiece("gateway", { ...env, PORT: String(port) });
  pieces.push(piece);
  await untilHealthy(`http://127.0.0.1:${port}/healthz`, piece);
  return { key, name, url: `http://127.0.0.1:${port}/graphql`, pid: () => piece.child.pid ?? 0, stop: () => stopPiece(piece) };
}

/**
 * Every contender, started one after another (ours are stopped with `pieces`, the peers with
 * `cleanups`). `env` is the graph's; the peers read the supergraph at `supergraphPath`.
 */
export async function startContenders(
  env: NodeJS.ProcessEnv,
  supergraphPath: string,
  pieces: Piece[],
  cleanups: (() => Promise<void>)[],
): Promise<Contender[]> {
  // BENCH_PROFILE=<dir>: ours, dedup off, writes a V8 CPU profile there when it stops (node --cpu-prof).
  const profile = process.env.BENCH_PROFILE ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.BENCH_PROFILE}` } : {};
  const peerEnv = { ...env, SUPERGRAPH_PATH: supergraphPath };
  const router = { HIVE_ROUTER_RUNTIME: "true" };
  const noDedup = { HIVE_DEDUPLICATE: "false" };
  const contenders: Contender[] = [];
  // BENCH_GATEWAYS=ours,oursOff,…: only those (for profiling one; the verdicts need them all).
  const wanted = process.env.BENCH_GATEWAYS ? new Set(process.env.BENCH_GATEWAYS.split(",")) : null;
  const peer = async (key: ContenderKey, name: string, script: string, extra: NodeJS.ProcessEnv) => {
    if (wanted && !wanted.has(key)) return;
    const started = await startPeer(key, name, script, { ...peerEnv, ...extra });
    cleanups.push(started.stop);
    contenders.push(started);
  };
  if (!wanted || wanted.has("ours")) contenders.push(await startOurs("ours", "ours", env, pieces));
  if (!wanted || wanted.has("oursOff"))
    contenders.push(await startOurs("oursOff", "ours (dedup off)", { ...env, ...profile, GATEWAY_DEDUPLICATE_FETCHES: "false" }, pieces));
  await peer("stock", "stock @apollo/gateway 2.14", "apollo-gateway.ts", {});
  await peer("hive", "Hive Gateway 2.15 (defaults)", "hive-gateway.ts", {});
  await peer("hiveOff", "Hive Gateway 2.15 (dedup off)", "hive-gateway.ts", noDedup);
  await peer("hiveRouter", "Hive + router runtime (defaults)", "hive-gateway.ts", router);
  await peer("hiveRouterOff", "Hive + router runtime (dedup off)", "hive-gateway.ts", { ...router, ...noDedup });
  return contenders;
}

/**
 * The router-runtime peers plan with the Rust query planner and the other Hive peers do not:
 * its native addon is mapped into a process once it has planned an operation (call this after
 * each contender has answered one). A misconfigured peer would otherwise be measured silently
 * as the JavaScript planner.
 */
export async function checkPlanners(contenders: Contender[]): Promise<void> {
  for (const c of contenders) {
    const rust = (await readFile(`/proc/${c.pid()}/maps`, "utf8")).includes("hive_router_query_planner");
    if (rust !== c.key.startsWith("hiveRouter")) throw new Error(`${c.name} ${rust ? "has" : "has not"} loaded the Rust query planner`);
  }
}
