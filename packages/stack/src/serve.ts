// `pnpm serve <gateway|identity|listings|trades|ledger|media|search>`: one piece of the graph
// per process, as docker-compose and production run it. The gateway finds subgraphs through
// <NAME>_URL, and a subgraph the peers it calls (peers.ts); in production each of those is
// required, in development they default to the routing URLs in schema/supergraph.graphql
// (the gateway) or SUBGRAPH_HOST:<NAME>_PORT (a subgraph). Each piece reads (and in production
// requires) only the settings and secrets it uses (packages/common/src/config.ts), and says which
// other secrets it was given for nothing (piece-secrets.ts).
// `pnpm serve <subgraph> <subgraph>…` serves several subgraphs in one process (how `pnpm start`
// spreads them over fewer processes than pieces): each reads its own sections, and its own
// private caller key from <NAME>_CALLER_KEY (as `pnpm caller-keys` prints them) when that is set.
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

const targets = process.argv.slice(2);
const isSubgraph = (name: string): name is SubgraphName => SUBGRAPH_NAMES.includes(name as SubgraphName);
const valid =
  (targets.length === 1 && targets[0] === "gateway") || (targets.length > 0 && targets.every(isSubgraph) && new Set(targets).size === targets.length);
if (!valid) {
  console.error(`Usage: pnpm serve <gateway|${SUBGRAPH_NAMES.join("|")}> (or several subgraphs: pnpm serve identity listings)`);
  process.exit(2);
}
const subgraphs = targets.filter(isSubgraph);

/** The environment `piece` reads: its own private caller key when the process serves several. */
const envOf = (piece: SubgraphName): NodeJS.ProcessEnv => {
  const own = process.env[`${piece.toUpperCase()}_CALLER_KEY`];
  return subgraphs.length > 1 && own ? { ...process.env, CALLER_SIGNING_KEY: own } : process.env;
};

/** Only this process's pieces' sections: it does not fail on, nor hold, another piece's settings. */
const { app } = loadConfigOrExit(subgraphs[0] ? envOf(subgraphs[0]) : process.env, subgraphs[0] ?? "gateway");
const log = createLogger(app.logLevel, `localex-${targets.join("+")}`);
// A secret is given for nothing when none of the pieces here uses it.
const unused =
  app.env === "production"
    ? unusedSecrets(process.env, subgraphs[0] ?? "gateway").filter((s) => subgraphs.every((p) => unusedSecrets(process.env, p).includes(s)))
    : [];
if (unused.length > 0)
  log.warn({ unused }, `${targets.join(" and ")} ${targets.length > 1 ? "do" : "does"} not use ${unused.join(", ")}: give them only to the pieces that do`);

let stop: () => Promise<void>;
if (subgraphs.length > 0) {
  // Only the pieces this process serves are loaded: a gateway carries no subgraph's code.
  const modules = await Promise.all(subgraphs.map(loadSubgraph));
  const configs = subgraphs.map((piece) => loadConfigOrExit(envOf(piece), piece));
  // Its database is DATABASE_URL (the configuration requires it of a subgraph served on its own).
  // Without Redis, events reach the other processes through the database every subgraph shares.
  const first = configs[0]!;
  const events = createEventBus(first.redis.url, first.redis.prefix, log, first.database.url);
  // Other subgraphs, for internal calls (peers.ts); those served here answer at their own address.
  const directory = new SubgraphDirectory();
  for (const config of configs) for (const [name, url] of Object.entries(peerUrls(config))) directory.set(name as SubgraphName, url);
  const running = await Promise.all(
    modules.map((module, i) => {
      const config = configs[i]!;
      return startSubgraph(module, { config, databaseUrl: config.database.url, log, events, directory }, config.subgraphs.ports[module.name]);
    }),
  );
  stop = async () => {
    await Promise.all(running.map((r) => r.stop()));
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
