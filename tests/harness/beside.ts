// Pieces a test file starts of its own beside the shared graph (a media with a CDN in front, a
// ledger with a price source, a gateway to reach them): the test graph's settings on loopback,
// every subgraph at the shared graph's address but those the file serves itself.
import { inject } from "vitest";
import { testGraphEnvironment } from "./secrets.ts";

const SUBGRAPHS = ["identity", "listings", "trades", "ledger", "media", "search"] as const;
type Subgraph = (typeof SUBGRAPHS)[number];

/**
 * The environment for such pieces: `own` names the file's own subgraphs by URL, `extra` adds or
 * overrides settings (a port, a limit). The run's database, no Redis, small pools (the shared
 * graph holds most of the server's connections).
 */
export function besideSharedGraph(own: Partial<Record<Subgraph, string>> = {}, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const shared = inject("subgraphUrls");
  const env: NodeJS.ProcessEnv = {
    ...testGraphEnvironment(),
    DATABASE_URL: inject("databaseUrl"),
    REDIS_URL: "",
    DATABASE_POOL_SIZE: "2",
    HOST: "127.0.0.1",
    SUBGRAPH_HOST: "127.0.0.1",
  };
  for (const name of SUBGRAPHS) env[`${name.toUpperCase()}_URL`] = own[name] ?? shared[name];
  return { ...env, ...extra };
}
