export const SUBGRAPH_NAMES = ["identity", "listings", "trades", "ledger", "media", "search"] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

/**
 * What one process runs: one piece (`pnpm serve <piece>`; `pnpm search:reindex` is search's
 * tool), the whole graph (`pnpm start`, the tests' graph), or an operator's tool that works
 * straight on the database (`pnpm admin`, `pnpm ledger:reconcile`).
 */
export type Piece = SubgraphName | "gateway" | "graph" | "operator";
