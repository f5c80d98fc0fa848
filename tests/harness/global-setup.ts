// Starts the whole graph once per test run: a fresh database (embedded PostgreSQL, or a new
// database on DATABASE_URL's server), every subgraph, and the gateway, all on free ports.
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import type { TestProject } from "vitest/node";
import { createLogger, loadConfig } from "@localex/common";
import { startStack, type RunningStack } from "@localex/stack";

export const TEST_JWT_SECRET = "test-only-jwt-secret-0123456789abcdef0123456789";
export const TEST_GATEWAY_SECRET = "test-only-gateway-secret-0123456789abcdef012345";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

async function freshDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `localex_test_${Date.now().toString(36)}_${process.pid}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const again = postgres(serverUrl, { max: 1, onnotice: () => {} });
      await again.unsafe(`drop database if exists "${name}" with (force)`);
      await again.end();
    },
  };
}

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
    PORT: "0",
    IDENTITY_PORT: "0",
    LISTINGS_PORT: "0",
    TRADES_PORT: "0",
    LEDGER_PORT: "0",
    MEDIA_PORT: "0",
    SEARCH_PORT: "0",
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
