import type { Config } from "@localex/common";

/** The trades subgraph's settings, read and validated with the rest in packages/common/src/config.ts. */
export type TradeSettings = Pick<
  Config,
  "TRADE_EXPIRY_HOURS" | "TRADE_CONFIRMATION_DAYS" | "TRADE_RECOVERY_INTERVAL_SECONDS" | "TRADE_SAGA_LEASE_SECONDS" | "DISPUTE_CLAIM_MINUTES"
>;
