import { spawn, type ChildProcess } from "node:child_process";
import { createPublicKey } from "node:crypto";
import { fileURLToPath } from "node:url";
import { startGateway } from "@localex/gateway";
import {
  CallerKeyring,
  callerKeysFor,
  createEventBus,
  generateCallerKeys,
  publicKeysText,
  SECRET_USERS,
  signingKeyText,
  SUBGRAPH_NAMES,
  usesSecret,
  type CallerKeys,
  type Config,
  type Logger,
  type SecretName,
  type SubgraphName,
} from "@localex/common";
import { readSupergraph } from "./composition.ts";
import { graphDatabaseUrl, Stops } from "./stops.ts";
import type { RunningStack } from "./stack.ts";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const LOAD_TYPESCRIPT = fileURLToPath(new URL("../load-typescript.mjs", import.meta.url));

/**
 * `pnpm start` on a machine with several cores (GRAPH_PROCESSES of 2 or more): the gateway and
 * the embedded database in this process, the subgraphs spread over `config.processes.count - 1`
 * others (`pnpm serve <name>…`, as production runs them). Without Redis, events cross the
 * processes through the database (events-postgres.ts). A subgraph whose <NAME>_URL is set runs
 * elsewhere and is not started here, as in startStack. `onPieceLost` is told when a subgraph's
 * process ends by itself: the graph can no longer serve.
 */
export async function startStackInProcesses(config: Config, log: Logger, onPieceLost: (error: Error) => void): Promise<RunningStack> {
  const stops = new Stops(log);
  let stopping = false;
  const stopAll = () => {
    stopping = true;
    return stops.stopAll();
  };
  try {
    const databaseUrl = await graphDatabaseUrl(config, log, stops);
    const elsewhere = config.subgraphs.urls;
    const urls = Object.fromEntries(
      SUBGRAPH_NAMES.map((name) => [name, elsewhere[name] ?? `http://${config.subgraphs.host}:${config.subgraphs.ports[name]}/graphql`]),
    ) as Record<SubgraphName, string>;
    const keys = pieceKeys(config);
    const groups = spread(
      SUBGRAPH_NAMES.filter((name) => !elsewhere[name]),
      config.processes.count - 1,
    );
    const children = groups.map((names) => {
      const child = spawn(process.execPath, ["--import", LOAD_TYPESCRIPT, "packages/stack/src/serve.ts", ...names], {
        cwd: ROOT,
        env: piecesEnvironment(names, databaseUrl, urls, keys.environment(names)),
        // The IPC channel: a piece whose parent is gone (killed) stops by itself (lifecycle.ts).
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      });
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      const what = `the ${names.join(", ")} ${names.length > 1 ? "subgraphs'" : "subgraph's"} process`;
      child.once("exit", (code, signal) => {
        if (!stopping) onPieceLost(new Error(`${what} ended (${signal ?? `exit code ${code}`})`));
      });
      return { names, child, exited, what };
    });
    // All at once: each stops within its own SHUTDOWN_TIMEOUT_SECONDS.
    stops.add(async () => {
      await Promise.all(children.map(({ child, exited }) => stopChild(child, exited, config.app.shutdownTimeoutSeconds)));
    });
    // Subgraphs migrate one at a time (an advisory lock), so they start side by side.
    await Promise.all(
      children.flatMap(({ names, child, what }) => names.map((name) => untilHealthy(urls[name].replace(/\/graphql$/, "/healthz"), child, what))),
    );

    const events = createEventBus(config.redis.url, config.redis.prefix, log, databaseUrl);
    stops.add(() => events.close());
    const gateway = await startGateway({
      config,
      log,
      supergraphSdl: await readSupergraph(),
      subgraphUrls: urls,
      port: config.server.port,
      events,
      keys: keys.gateway,
    });
    stops.add(gateway.stop);
    return {
      gatewayUrl: gateway.url,
      wsUrl: gateway.wsUrl,
      databaseUrl,
      subgraphs: groups.flat().map((name) => ({ name, url: urls[name], stop: async () => {} })),
      stop: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

/** `names` dealt round-robin over `processes` processes (at least one), none left empty. */
export function spread<T>(names: readonly T[], processes: number): T[][] {
  const groups: T[][] = Array.from({ length: Math.max(1, Math.min(processes, names.length)) }, () => []);
  names.forEach((name, i) => groups[i % groups.length]!.push(name));
  return groups.filter((group) => group.length > 0);
}

/**
 * Caller-token keys across the processes. In development every piece derives its own from the
 * seed, as in one process. In production no seed may be given, so a key pair is made for each
 * piece at start, and each process holds only its own pieces' private keys.
 */
function pieceKeys(config: Config): { gateway: CallerKeys; environment: (pieces: SubgraphName[]) => NodeJS.ProcessEnv } {
  if (config.app.env !== "production") return { gateway: callerKeysFor(config.callers, "graph"), environment: () => ({}) };
  const made = generateCallerKeys();
  const publicKeys = publicKeysText(made);
  return {
    gateway: new CallerKeyring(new Map([["gateway", made.get("gateway")!]]), new Map([...made].map(([signer, key]) => [signer, createPublicKey(key)]))),
    environment: (pieces) => ({
      // One piece: its CALLER_SIGNING_KEY; several: each one's <NAME>_CALLER_KEY (serve.ts).
      CALLER_SIGNING_KEY: signingKeyText(made.get(pieces[0]!)!),
      ...Object.fromEntries(pieces.map((piece) => [`${piece.toUpperCase()}_CALLER_KEY`, signingKeyText(made.get(piece)!)])),
      CALLER_PUBLIC_KEYS: publicKeys,
    }),
  };
}

/** The settings of a process serving `pieces`, less the secrets none of them uses (piece-secrets.ts). */
function piecesEnvironment(pieces: SubgraphName[], databaseUrl: string, urls: Record<SubgraphName, string>, keys: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl, ...keys };
  for (const secret of Object.keys(SECRET_USERS) as SecretName[]) if (!pieces.some((piece) => usesSecret(piece, secret))) delete env[secret];
  for (const name of SUBGRAPH_NAMES) env[`${name.toUpperCase()}_URL`] = urls[name];
  return env;
}

/** Polls a piece's /healthz until it answers; fails at once if its process ends. */
async function untilHealthy(url: string, child: ChildProcess, what: string): Promise<void> {
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} ended while starting`);
    const healthy = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (healthy) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** SIGTERM (its orderly stop, bounded by its own SHUTDOWN_TIMEOUT_SECONDS), SIGKILL a little after. */
async function stopChild(child: ChildProcess, exited: Promise<void>, timeoutSeconds: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), (timeoutSeconds + 2) * 1000);
  await exited;
  clearTimeout(timer);
}
