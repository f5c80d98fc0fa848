import { startGateway } from "@localex/gateway";
import {
  callerKeysFor,
  createEventBus,
  startSubgraph,
  SubgraphDirectory,
  type Config,
  type Logger,
  type RunningSubgraph,
  type SubgraphName,
} from "@localex/common";
import { readSupergraph } from "./composition.ts";
import { SUBGRAPHS } from "./subgraphs.ts";
import { graphDatabaseUrl, Stops } from "./stops.ts";

export interface RunningStack {
  gatewayUrl: string;
  wsUrl: string;
  databaseUrl: string;
  subgraphs: RunningSubgraph[];
  stop(): Promise<void>;
}

/**
 * Everything in one process: the database (embedded unless DATABASE_URL is set), every
 * subgraph on its own port, and the gateway in front. Each piece can also run on its own: a
 * subgraph whose <NAME>_URL is set is not started here; the gateway and the others call it there.
 */
export async function startStack(config: Config, log: Logger): Promise<RunningStack> {
  const stops = new Stops(log);
  const stopAll = () => stops.stopAll();
  try {
    const databaseUrl = await graphDatabaseUrl(config, log, stops);
    const events = createEventBus(config.redis.url, config.redis.prefix, log);
    stops.add(() => events.close());
    if (!config.redis.url) log.info("REDIS_URL is not set: events fan out in-process only");

    // One process, one set of keys: every piece's, from CALLER_KEY_SEED (development) or made at start.
    const keys = callerKeysFor(config.callers, "graph");
    const directory = new SubgraphDirectory();
    const elsewhere = config.subgraphs.urls;
    for (const [name, url] of Object.entries(elsewhere)) directory.set(name as SubgraphName, url);
    const subgraphs = await Promise.all(
      SUBGRAPHS.filter((module) => !elsewhere[module.name]).map(async (module) => {
        const env = { config, databaseUrl, log, events, directory, keys };
        const running = await startSubgraph(module, env, config.subgraphs.ports[module.name]);
        stops.add(running.stop);
        return running;
      }),
    );
    const gateway = await startGateway({
      config,
      log,
      supergraphSdl: await readSupergraph(),
      subgraphUrls: { ...elsewhere, ...Object.fromEntries(subgraphs.map((s) => [s.name, s.url])) },
      port: config.server.port,
      events,
      keys,
    });
    stops.add(gateway.stop);
    return { gatewayUrl: gateway.url, wsUrl: gateway.wsUrl, databaseUrl, subgraphs, stop: stopAll };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
