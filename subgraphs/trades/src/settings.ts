import type { Config } from "@localex/common";

/** The trades subgraph's settings, read and validated with the rest in packages/common/src/config.ts. */
export type TradeSettings = Config["trades"];
