// The production topology on one machine: every subgraph and each gateway in a process of its
// own (`pnpm serve <name>`), on one PostgreSQL database and one Redis, as docker-compose runs it.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, chmod } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, freshDatabase, type FreshDatabase } from "./databases.ts";
import { LOAD_TYPESCRIPT, untilHealthy } from "./pieces.ts";
import { testGraphEnvironment } from "./secrets.ts";

const SUBGRAPHS = ["identity", "listings", "trades", "ledger", "media", "search"] as const;
type Piece = (typeof SUBGRAPHS)[number] | `gateway-${number}`;
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface Topology {
  gateways: string[];
  /** The topology's own database (every piece's), for what no API shows: locks, connections. */
  databaseUrl: string;
  /** The process id of a piece, to read its memory and sockets from /proc. */
  pid(piece: Piece): number;
  /** A gateway's inspector port, when started with `inspectGateways` (benchmarks read its heap). */
  inspectorPort(piece: Piece): number | undefined;
  /** Kills a piece (SIGKILL: no orderly shutdown). */
  stop(piece: Piece): Promise<void>;
  /** Starts a stopped subgraph again, on its port, and waits until it is healthy. */
  start(piece: (typeof SUBGRAPHS)[number]): Promise<void>;
  close(): Promise<void>;
}

export async function startTopology(options: {
  serverDatabaseUrl: string;
  redisUrl: string;
  gateways: number;
  env?: NodeJS.ProcessEnv;
  /** Each gateway with an inspector on a loopback port of its own (never outside benchmarks). */
  inspectGateways?: boolean;
}): Promise<Topology> {
  const database: FreshDatabase = await freshDatabase(options.serverDatabaseUrl, "localex_topology");
  const dataDir = await mkdtemp(join(tmpdir(), "localex-topology-"));
  await chmod(dataDir, 0o755);
  const ports = Object.fromEntries(await Promise.all(SUBGRAPHS.map(async (name) => [name, await freePort()] as const)));
  const env: NodeJS.ProcessEnv = {
    ...testGraphEnvironment(),
    DATABASE_URL: database.url,
    REDIS_URL: options.redisUrl,
    REDIS_PREFIX: `localex-topology-${process.pid}-${Date.now().toString(36)}:`,
    DATA_DIR: dataDir,
    HOST: "127.0.0.1",
    DATABASE_POOL_SIZE: "4",
    SMTP_URL: "",
    ...options.env,
  };
  for (const name of SUBGRAPHS) {
    env[`${name.toUpperCase()}_PORT`] = String(ports[name]);
    env[`${name.toUpperCase()}_URL`] = `http://127.0.0.1:${ports[name]}/graphql`;
  }
  const running = new Map<Piece, ChildProcess>();
  const inspectors = new Map<Piece, number>();
  const serve = (piece: Piece, extra: NodeJS.ProcessEnv = {}, nodeFlags: string[] = []) => {
    const target = piece.startsWith("gateway") ? "gateway" : piece;
    const child = spawn(process.execPath, [...nodeFlags, ...LOAD_TYPESCRIPT, "packages/stack/src/serve.ts", target], {
      cwd: ROOT,
      env: { ...env, ...extra },
      stdio: ["ignore", "inherit", "inherit"],
    });
    running.set(piece, child);
  };
  // Subgraphs migrate one at a time (an advisory lock), so they start side by side.
  for (const name of SUBGRAPHS) serve(name);
  await Promise.all(SUBGRAPHS.map((name) => untilHealthy(`http://127.0.0.1:${ports[name]}/healthz`, { child: running.get(name)! })));
  const gateways: string[] = [];
  for (let i = 0; i < options.gateways; i++) {
    const port = await freePort();
    const inspector = options.inspectGateways ? await freePort() : undefined;
    if (inspector) inspectors.set(`gateway-${i}`, inspector);
    serve(`gateway-${i}`, { PORT: String(port) }, inspector ? [`--inspect=127.0.0.1:${inspector}`] : []);
    await untilHealthy(`http://127.0.0.1:${port}/healthz`, { child: running.get(`gateway-${i}`)! });
    gateways.push(`http://127.0.0.1:${port}/graphql`);
  }
  const stop = async (piece: Piece) => {
    const child = running.get(piece);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  };
  return {
    gateways,
    databaseUrl: database.url,
    pid: (piece) => running.get(piece)?.pid ?? 0,
    inspectorPort: (piece) => inspectors.get(piece),
    stop,
    async start(piece) {
      serve(piece);
      await untilHealthy(`http://127.0.0.1:${ports[piece]}/healthz`, { child: running.get(piece)! });
    },
    async close() {
      await Promise.all([...running.keys()].map(stop));
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
