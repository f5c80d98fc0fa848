export const SUBGRAPH_NAMES = ["identity", "listings", "trades", "ledger", "media", "search"] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];
