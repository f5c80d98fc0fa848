// Starts the whole graph once per test run: a fresh database (embedded PostgreSQL, or a new
// database on DATABASE_URL's server), every subgraph, and the gateway, all on free ports.
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { createLogger, loadConfig } from "@localex/common";
import { startStack, type RunningStack } from "@localex/stack";
import { ANY_PORTS, freePort, freshDatabase } from "./databases.ts";

export const TEST_JWT_SECRET = "test-only-jwt-secret-0123456789abcdef0123456789";
export const TEST_GATEWAY_SECRET = "test-only-gateway-secret-0123456789abcdef012345";

let stack: RunningStack | undefined;
const cleanups: (() => Promise<void>)[] = [];

export async function setup(project: TestProject): Promise<void> {
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: "test",
    LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
    JWT_SECRET: TEST_JWT_SECRET,
    GATEWAY_SECRET: TEST_GATEWAY_SECRET,
    ADMIN_EMAILS: "admin@localex.test",
    REDIS_URL: process.env.REDIS_URL,
    // Each run its own keys: no lockout or event leaks from another run on the same Redis.
    REDIS_PREFIX: `localex-test-${Date.now().toString(36)}-${process.pid}:`,
    DATABASE_POOL_SIZE: "8",
    ...ANY_PORTS,
  };
  if (process.env.DATABASE_URL) {
    const db = await freshDatabase(process.env.DATABASE_URL);
    cleanups.push(db.drop);
    env.DATABASE_URL = db.url;
  } else {
    const dataDir = await mkdtemp(join(tmpdir(), "localex-test-"));
    await chmod(dataDir, 0o755); // the embedded server runs as `postgres` when we are root
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    env.DATA_DIR = dataDir;
    env.EMBEDDED_POSTGRES_PORT = String(await freePort());
  }
  const config = loadConfig(env);
  stack = await startStack(config, createLogger(config.LOG_LEVEL));
  project.provide("gatewayUrl", stack.gatewayUrl);
  project.provide("wsUrl", stack.wsUrl);
  project.provide("databaseUrl", stack.databaseUrl);
  project.provide("subgraphUrls", Object.fromEntries(stack.subgraphs.map((s) => [s.name, s.url])));
  project.provide("usingEmbeddedPostgres", !process.env.DATABASE_URL);
}

export async function teardown(): Promise<void> {
  await stack?.stop();
  for (const cleanup of cleanups.reverse()) await cleanup();
}

declare module "vitest" {
  export interface ProvidedContext {
    gatewayUrl: string;
    wsUrl: string;
    databaseUrl: string;
    subgraphUrls: Record<string, string>;
    usingEmbeddedPostgres: boolean;
  }
}
