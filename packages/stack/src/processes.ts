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
import { startEmbeddedPostgres } from "./embedded-postgres.ts";
import type { RunningStack } from "./stack.ts";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const LOAD_TYPESCRIPT = fileURLToPath(new URL("../load-typescript.mjs", import.meta.url));

/**
 * `pnpm start` on a machine with several cores: each subgraph in a process of its own
 * (`pnpm serve <name>`, as production runs it), the gateway and the embedded database in this
 * one. Without Redis, events cross the processes through the database (events-postgres.ts).
 * A subgraph whose <NAME>_URL is set runs elsewhere and is not started here, as in startStack.
 * `onPieceLost` is told when a subgraph's process ends by itself: the graph can no longer serve.
 */
export async function startStackInProcesses(config: Config, log: Logger, onPieceLost: (error: Error) => void): Promise<RunningStack> {
  const stops: (() => Promise<void>)[] = [];
  let stopping = false;
  const stopAll = async () => {
    stopping = true;
    for (const stop of stops.reverse()) await stop().catch((e: unknown) => log.error({ err: e }, "stop failed"));
  };
  try {
    let databaseUrl = config.database.url;
    if (!databaseUrl) {
      const embedded = await startEmbeddedPostgres(config.app.dataDir, config.database.embeddedPort, log);
      stops.push(embedded.stop);
      databaseUrl = embedded.url;
    }
    const elsewhere = config.subgraphs.urls;
    const urls = Object.fromEntries(
      SUBGRAPH_NAMES.map((name) => [name, elsewhere[name] ?? `http://${config.subgraphs.host}:${config.subgraphs.ports[name]}/graphql`]),
    ) as Record<SubgraphName, string>;
    const keys = pieceKeys(config);
    const started = SUBGRAPH_NAMES.filter((name) => !elsewhere[name]).map((name) => {
      const child = spawn(process.execPath, ["--import", LOAD_TYPESCRIPT, "packages/stack/src/serve.ts", name], {
        cwd: ROOT,
        env: pieceEnvironment(name, databaseUrl, urls, keys.environment(name)),
        // The IPC channel: a piece whose parent is gone (killed) stops by itself (lifecycle.ts).
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      });
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.once("exit", (code, signal) => {
        if (!stopping) onPieceLost(new Error(`the ${name} subgraph's process ended (${signal ?? `exit code ${code}`})`));
      });
      return { name, url: urls[name], child, exited };
    });
    // All at once: each stops within its own SHUTDOWN_TIMEOUT_SECONDS.
    stops.push(async () => {
      await Promise.all(started.map((piece) => stopChild(piece.child, piece.exited, config.app.shutdownTimeoutSeconds)));
    });
    // Subgraphs migrate one at a time (an advisory lock), so they start side by side.
    await Promise.all(started.map((piece) => untilHealthy(piece.url.replace(/\/graphql$/, "/healthz"), piece.child, piece.name)));

    const events = createEventBus(config.redis.url, config.redis.prefix, log, databaseUrl);
    stops.push(() => events.close());
    const gateway = await startGateway({
      config,
      log,
      supergraphSdl: await readSupergraph(),
      subgraphUrls: urls,
      port: config.server.port,
      events,
      keys: keys.gateway,
    });
    stops.push(gateway.stop);
    return {
      gatewayUrl: gateway.url,
      wsUrl: gateway.wsUrl,
      databaseUrl,
      subgraphs: started.map(({ name, url }) => ({ name, url, stop: async () => {} })),
      stop: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

/**
 * Caller-token keys across the processes. In development every piece derives its own from the
 * seed, as in one process. In production no seed may be given, so a key pair is made for each
 * piece at start, and each process holds only its own private key.
 */
function pieceKeys(config: Config): { gateway: CallerKeys; environment: (piece: SubgraphName) => NodeJS.ProcessEnv } {
  if (config.app.env !== "production") return { gateway: callerKeysFor(config.callers, "graph"), environment: () => ({}) };
  const made = generateCallerKeys();
  const publicKeys = publicKeysText(made);
  return {
    gateway: new CallerKeyring(new Map([["gateway", made.get("gateway")!]]), new Map([...made].map(([signer, key]) => [signer, createPublicKey(key)]))),
    environment: (piece) => ({ CALLER_SIGNING_KEY: signingKeyText(made.get(piece)!), CALLER_PUBLIC_KEYS: publicKeys }),
  };
}

/** This process's settings for a subgraph, less the secrets it does not use (piece-secrets.ts). */
function pieceEnvironment(piece: SubgraphName, databaseUrl: string, urls: Record<SubgraphName, string>, keys: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl, ...keys };
  for (const secret of Object.keys(SECRET_USERS) as SecretName[]) if (!usesSecret(piece, secret)) delete env[secret];
  for (const name of SUBGRAPH_NAMES) env[`${name.toUpperCase()}_URL`] = urls[name];
  return env;
}

/** Polls a piece's /healthz until it answers; fails at once if its process ends. */
async function untilHealthy(url: string, child: ChildProcess, name: string): Promise<void> {
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the ${name} subgraph's process ended while starting`);
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
