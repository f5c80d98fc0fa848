// `pnpm serve <gateway|identity|listings|trades|ledger|media|search>`: one piece of the graph
// per process, as docker-compose and production run it. The gateway finds subgraphs through
// <NAME>_URL, or the routing URLs in schema/supergraph.graphql.
import {
  createEventBus,
  createLogger,
  loadConfigOrExit,
  startSubgraph,
  SUBGRAPH_NAMES,
  SubgraphDirectory,
  subgraphPort,
  subgraphUrlOverrides,
  type SubgraphName,
} from "@localex/common";
import { loadSubgraph } from "./load-subgraph.ts";
import { readSupergraph } from "./supergraph-file.ts";
import { stopOnExitSignals } from "./lifecycle.ts";

const target = process.argv[2];
if (target !== "gateway" && !SUBGRAPH_NAMES.includes(target as SubgraphName)) {
  console.error(`Usage: pnpm serve <gateway|${SUBGRAPH_NAMES.join("|")}>`);
  process.exit(2);
}
// Only the piece this process serves is loaded: a gateway carries no subgraph's code.
const module = target === "gateway" ? null : await loadSubgraph(target as SubgraphName);

const config = loadConfigOrExit();
const log = createLogger(config.LOG_LEVEL, `localex-${target}`);

let stop: () => Promise<void>;
if (module) {
  if (!config.DATABASE_URL) {
    console.error("DATABASE_URL is required to serve one subgraph on its own (`pnpm start` runs the embedded database).");
    process.exit(1);
  }
  const events = createEventBus(config.REDIS_URL, config.REDIS_PREFIX, log);
  // Other subgraphs, for internal calls: <NAME>_URL, or SUBGRAPH_HOST:<NAME>_PORT.
  const directory = new SubgraphDirectory();
  const overrides = subgraphUrlOverrides(config);
  for (const name of SUBGRAPH_NAMES) {
    directory.set(name, overrides[name] ?? `http://${config.SUBGRAPH_HOST}:${subgraphPort(config, name)}/graphql`);
  }
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

stopOnExitSignals(stop, log);
