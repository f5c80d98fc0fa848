import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import { Counter, Gauge, Histogram } from "prom-client";
import { errorCodeLabel, LATENCY_BUCKETS, metrics } from "@localex/common";
import type { GatewayContext } from "./caller.ts";

/** The gateway's own metrics beside the per-operation ones every process has (common/telemetry/metrics.ts). */
const fetchDuration = new Histogram({
  name: "localex_gateway_subgraph_fetch_duration_seconds",
  help: "The gateway's requests to each subgraph (a query plan's fetches), by subgraph (its _count is the request rate)",
  labelNames: ["subgraph"] as const,
  buckets: LATENCY_BUCKETS,
  registers: [metrics],
});
const fetchErrors = new Counter({
  name: "localex_gateway_subgraph_fetch_errors_total",
  help: "Subgraph fetches that failed (unreachable, timed out, non-2xx) or answered errors, by subgraph and the first error's code",
  labelNames: ["subgraph", "code"] as const,
  registers: [metrics],
});

/** A subgraph's data source, timed and its failures counted. */
export function measuredFetches(subgraph: string, source: GraphQLDataSource<GatewayContext>): GraphQLDataSource<GatewayContext> {
  return {
    async process(options: GraphQLDataSourceProcessOptions<GatewayContext>) {
      const done = fetchDuration.startTimer({ subgraph });
      try {
        const response = await source.process(options);
        if (response.errors?.length) fetchErrors.inc({ subgraph, code: errorCodeLabel(response.errors[0]!.extensions?.code) });
        return response;
      } catch (e) {
        fetchErrors.inc({ subgraph, code: errorCodeLabel((e as { extensions?: { code?: unknown } }).extensions?.code) });
        throw e;
      } finally {
        done();
      }
    },
  };
}

/** What each WebSocket server in this process holds now, read when metrics are scraped. */
export interface SocketCounts {
  connections: number;
  subscriptions: number;
}
const socketServers = new Set<() => SocketCounts>();
const total = (key: keyof SocketCounts) => [...socketServers].reduce((sum, counts) => sum + counts()[key], 0);

new Gauge({
  name: "localex_gateway_websocket_connections",
  help: "graphql-ws connections open on the gateway (acknowledged)",
  registers: [metrics],
  collect() {
    this.set(total("connections"));
  },
});
new Gauge({
  name: "localex_gateway_subscriptions",
  help: "Subscriptions open on the gateway's graphql-ws connections",
  registers: [metrics],
  collect() {
    this.set(total("subscriptions"));
  },
});

/** Counts a WebSocket server's connections and subscriptions until the returned function is called. */
export function countSockets(counts: () => SocketCounts): () => void {
  socketServers.add(counts);
  return () => socketServers.delete(counts);
}
