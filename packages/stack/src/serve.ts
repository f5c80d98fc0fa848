// `pnpm serve <gateway|identity|listings|trades|ledger|media|search>`: one piece of the graph
// per process, as docker-compose and production run it. The gateway finds subgraphs through
// <NAME>_URL, and a subgraph the peers it calls (peers.ts); in production each of those is
// required, in development they default to the routing URLs in schema/supergraph.graphql
// (the gateway) or SUBGRAPH_HOST:<NAME>_PORT (a subgraph). Each piece requires, in production,
// only the secrets it uses (packages/common/src/piece-secrets.ts), and there says which others it
// was given for nothing.
// First: tracing patches libraries as they load (off unless OTEL_EXPORTER_OTLP_ENDPOINT is set).
import "@localex/common/telemetry/register";
import {
  createEventBus,
  createLogger,
  loadConfigOrExit,
  startSubgraph,
  SUBGRAPH_NAMES,
  SubgraphDirectory,
  subgraphPort,
  subgraphUrlOverrides,
  unusedSecrets,
  type SubgraphName,
} from "@localex/common";
import { loadSubgraph } from "./load-subgraph.ts";
import { readSupergraph } from "./supergraph-file.ts";
import { stopOnExitSignals } from "./lifecycle.ts";
import { missingPeerUrls, peerUrls } from "./peers.ts";

const target = process.argv[2];
if (target !== "gateway" && !SUBGRAPH_NAMES.includes(target as SubgraphName)) {
  console.error(`Usage: pnpm serve <gateway|${SUBGRAPH_NAMES.join("|")}>`);
  process.exit(2);
}
// Only the piece this process serves is loaded: a gateway carries no subgraph's code.
const module = target === "gateway" ? null : await loadSubgraph(target as SubgraphName);

const piece = target as SubgraphName | "gateway";
const config = loadConfigOrExit(process.env, piece);
const missing = missingPeerUrls(target as SubgraphName | "gateway", config);
if (missing.length > 0) {
  console.error(`Invalid configuration:\n${missing.map((m) => `  - ${m}`).join("\n")}`);
  process.exit(1);
}
const log = createLogger(config.LOG_LEVEL, `localex-${target}`);
const unused = config.NODE_ENV === "production" ? unusedSecrets(process.env, piece) : [];
if (unused.length > 0) log.warn({ unused }, `${target} does not use ${unused.join(", ")}: give them only to the pieces that do`);

let stop: () => Promise<void>;
if (module) {
  if (!config.DATABASE_URL) {
    console.error("DATABASE_URL is required to serve one subgraph on its own (`pnpm start` runs the embedded database).");
    process.exit(1);
  }
  const events = createEventBus(config.REDIS_URL, config.REDIS_PREFIX, log);
  // Other subgraphs, for internal calls (peers.ts).
  const directory = new SubgraphDirectory();
  for (const [name, url] of Object.entries(peerUrls(config))) directory.set(name as SubgraphName, url);
  const env = { config, databaseUrl: config.DATABASE_URL, log, events, directory };
  const running = await startSubgraph(module, env, subgraphPort(config, module.name));
  stop = async () => {
    await running.stop();
    await events.close();
  };
} else {
  const events = createEventBus(config.REDIS_URL, config.REDIS_PREFIX, log);
  if (!config.REDIS_URL) log.warn("REDIS_URL is not set: a logout in identity's process does not close this gateway's sockets (they close at token expiry)");
  const { startGateway } = await import("@localex/gateway");
  const gateway = await startGateway({
    events,
    config,
    log,
    supergraphSdl: await readSupergraph(),
    subgraphUrls: subgraphUrlOverrides(config),
    port: config.PORT,
  });
  stop = async () => {
    await gateway.stop();
    await events.close();
  };
}

stopOnExitSignals(stop, log, config.SHUTDOWN_TIMEOUT_SECONDS);
