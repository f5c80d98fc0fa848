// `pnpm serve <gateway|identity|listings|trades|ledger|media|search>`: one piece of the graph
// per process, as docker-compose and production run it. The gateway finds subgraphs through
// <NAME>_URL, and a subgraph the peers it calls (peers.ts); in production each of those is
// required, in development they default to the routing URLs in schema/supergraph.graphql
// (the gateway) or SUBGRAPH_HOST:<NAME>_PORT (a subgraph). Each piece reads (and in production
// requires) only the settings and secrets it uses (packages/common/src/config.ts), and says which
// other secrets it was given for nothing (piece-secrets.ts).
// First: tracing patches libraries as they load (off unless OTEL_EXPORTER_OTLP_ENDPOINT is set).
import "@localex/common/telemetry/register";
import {
  createEventBus,
  createLogger,
  loadConfigOrExit,
  startSubgraph,
  SUBGRAPH_NAMES,
  SubgraphDirectory,
  unusedSecrets,
  type SubgraphName,
} from "@localex/common";
import { loadSubgraph } from "./load-subgraph.ts";
import { readSupergraph } from "./supergraph-file.ts";
import { stopOnExitSignals } from "./lifecycle.ts";
import { peerUrls } from "./peers.ts";

const target = process.argv[2];
if (target !== "gateway" && !SUBGRAPH_NAMES.includes(target as SubgraphName)) {
  console.error(`Usage: pnpm serve <gateway|${SUBGRAPH_NAMES.join("|")}>`);
  process.exit(2);
}
// Only the piece this process serves is loaded: a gateway carries no subgraph's code.
const module = target === "gateway" ? null : await loadSubgraph(target as SubgraphName);

const piece = target as SubgraphName | "gateway";
/** Only this piece's sections: it does not fail on, nor hold, another piece's settings. */
const { app } = loadConfigOrExit(process.env, piece);
const log = createLogger(app.logLevel, `localex-${target}`);
const unused = app.env === "production" ? unusedSecrets(process.env, piece) : [];
if (unused.length > 0) log.warn({ unused }, `${target} does not use ${unused.join(", ")}: give them only to the pieces that do`);

let stop: () => Promise<void>;
if (module) {
  // Its database is DATABASE_URL (the configuration requires it of a subgraph served on its own).
  const config = loadConfigOrExit(process.env, module.name);
  // Without Redis, events reach the other processes through the database every subgraph shares.
  const events = createEventBus(config.redis.url, config.redis.prefix, log, config.database.url);
  // Other subgraphs, for internal calls (peers.ts).
  const directory = new SubgraphDirectory();
  for (const [name, url] of Object.entries(peerUrls(config))) directory.set(name as SubgraphName, url);
  const env = { config, databaseUrl: config.database.url, log, events, directory };
  const running = await startSubgraph(module, env, config.subgraphs.ports[module.name]);
  stop = async () => {
    await running.stop();
    await events.close();
  };
} else {
  const config = loadConfigOrExit(process.env, "gateway");
  const events = createEventBus(config.redis.url, config.redis.prefix, log);
  if (!config.redis.url) log.warn("REDIS_URL is not set: a logout in identity's process does not close this gateway's sockets (they close at token expiry)");
  const { startGateway } = await import("@localex/gateway");
  const gateway = await startGateway({
    events,
    config,
    log,
    supergraphSdl: await readSupergraph(),
    subgraphUrls: config.subgraphs.urls,
    port: config.server.port,
  });
  stop = async () => {
    await gateway.stop();
    await events.close();
  };
}

stopOnExitSignals(stop, log, app.shutdownTimeoutSeconds);
