// What the test harness and the benchmarks share: fresh databases, free ports, a stack on them.
import { createServer } from "node:net";
import postgres from "postgres";

export interface FreshDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A new, empty database on the server of `serverUrl`; `drop()` removes it, connections and all. */
export async function freshDatabase(serverUrl: string, prefix = "localex_test"): Promise<FreshDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${process.pid}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const again = postgres(serverUrl, { max: 1, onnotice: () => {} });
      await again.unsafe(`drop database if exists "${name}" with (force)`);
      await again.end();
    },
  };
}

/**
 * Ports for servers a test starts and must name before they listen (pieces, stand-ins). Not a
 * port the system picks (listen on 0): that is from the ephemeral range, which outgoing
 * connections and the other worker's pieces draw from too, so between the pick and the piece's
 * listen another process could take it (seen: a compose test's gateway port answered by another
 * file's listings). Instead, in a vitest worker: below the ephemeral range (32768–60999 on
 * Linux), a block of its own per worker (VITEST_POOL_ID), taken in turn, each checked free.
 */
const PORT_BLOCK = 1000;
const FIRST_PORT = 20_000;
let portsTaken = 0;

export async function freePort(): Promise<number> {
  // Outside a vitest worker (global setup, benches, a child test run): one process alone picks
  // ports there, and several of them may start at once, so the system picks.
  if (!process.env.VITEST_POOL_ID) return systemPickedPort();
  const block = Number(process.env.VITEST_POOL_ID) % 12;
  for (let tries = 0; tries < PORT_BLOCK; tries++) {
    const port = FIRST_PORT + block * PORT_BLOCK + (portsTaken++ % PORT_BLOCK);
    if (await isFree(port)) return port;
  }
  throw new Error(`no free port in ${FIRST_PORT + block * PORT_BLOCK}–${FIRST_PORT + (block + 1) * PORT_BLOCK - 1}`);
}

function systemPickedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** Every server of the stack on a port the system picks. */
export const ANY_PORTS = {
  PORT: "0",
  IDENTITY_PORT: "0",
  LISTINGS_PORT: "0",
  TRADES_PORT: "0",
  LEDGER_PORT: "0",
  MEDIA_PORT: "0",
  SEARCH_PORT: "0",
} as const;
