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

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
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
