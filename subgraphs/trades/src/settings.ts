import { z } from "zod";

/**
 * The trades subgraph's own settings, from the environment like every other setting; a bad
 * value stops the start with a message naming the variable.
 */
const schema = z.object({
  /** How long a proposal or counter-offer stays open before it expires. */
  TRADE_EXPIRY_HOURS: z.coerce.number().positive().max(24 * 90).default(24 * 7),
  /** How often the recovery sweep looks for trades left between steps and for expired proposals. */
  TRADE_RECOVERY_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  /** How long a driver of a step owns the trade before another may take over. */
  TRADE_SAGA_LEASE_SECONDS: z.coerce.number().int().min(5).max(3600).default(60),
});

export type TradeSettings = z.output<typeof schema>;

export function loadTradeSettings(env: NodeJS.ProcessEnv = process.env): TradeSettings {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith("TRADE_") && v !== ""));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  - ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new Error(`Invalid configuration:\n${problems}`);
  }
  return result.data;
}
