// Where each piece of the graph finds the others. In production a piece refuses to start
// without the address of every other subgraph (the configuration's rule, config-platform.ts):
// every subgraph gets them all rather than a list of whom it calls today, which would go stale
// with the next internal call someone adds (identity's account deletion alone calls four).
import { SUBGRAPH_NAMES, type Config, type SubgraphName } from "@localex/common";

export { peersOf } from "@localex/common";

/**
 * Each subgraph's address for a subgraph's internal calls: <NAME>_URL, or (development only)
 * SUBGRAPH_HOST:<NAME>_PORT.
 */
export function peerUrls(config: Pick<Config, "app" | "subgraphs">): Partial<Record<SubgraphName, string>> {
  const { urls, host, ports } = config.subgraphs;
  if (config.app.env === "production") return urls;
  return Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, urls[name] ?? `http://${host}:${ports[name]}/graphql`]));
}
