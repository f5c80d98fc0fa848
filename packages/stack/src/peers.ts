// Where each piece of the graph finds the others. In production a piece refuses to start
// without the address of every other subgraph: a loopback default there would have it call
// itself (or nothing) at its first internal call, long after start-up. Every subgraph gets
// them all rather than a list of whom it calls today, which would go stale with the next
// internal call someone adds (identity's account deletion alone calls four).
import { SUBGRAPH_NAMES, subgraphPort, subgraphUrlOverrides, type Config, type SubgraphName } from "@localex/common";

const urlVariable = (name: SubgraphName) => `${name.toUpperCase()}_URL`;

/** The subgraphs `target` may call: every one for the gateway, every other one for a subgraph. */
export function peersOf(target: SubgraphName | "gateway"): readonly SubgraphName[] {
  return SUBGRAPH_NAMES.filter((name) => name !== target);
}

/** What is missing for `target` to find its peers: in production, each <NAME>_URL it lacks. */
export function missingPeerUrls(target: SubgraphName | "gateway", config: Config): string[] {
  if (config.NODE_ENV !== "production") return [];
  const overrides = subgraphUrlOverrides(config);
  return peersOf(target)
    .filter((peer) => !overrides[peer])
    .map((peer) => `${urlVariable(peer)}: is required in production to serve ${target} (where ${peer} listens); without it a call would go to a loopback default`);
}

/**
 * Each subgraph's address for a subgraph's internal calls: <NAME>_URL, or (development only)
 * SUBGRAPH_HOST:<NAME>_PORT.
 */
export function peerUrls(config: Config): Partial<Record<SubgraphName, string>> {
  const overrides = subgraphUrlOverrides(config);
  if (config.NODE_ENV === "production") return overrides;
  return Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, overrides[name] ?? `http://${config.SUBGRAPH_HOST}:${subgraphPort(config, name)}/graphql`]));
}
