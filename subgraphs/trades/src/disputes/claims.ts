import { sql } from "drizzle-orm";
import type { TradeRow } from "../db/schema.ts";
import type { TradeChange } from "../trades/trade.store.ts";

/**
 * The columns of a trade becoming DISPUTED, by a party (`by`) or the system (null): a new entry in
 * the administrators' queue, dated by the database, with no one working on it yet.
 */
export function disputeOpening(reason: string, by: string | null): TradeChange {
  return {
    status: "DISPUTED",
    disputeReason: reason,
    disputedAt: sql`now()`,
    disputedBy: by,
    disputeAssigneeId: null,
    disputeClaimedUntil: null,
    resolution: null,
    resolvedBy: null,
    resolutionReason: null,
  };
}

/** Whether an administrator other than `adminId` holds a claim on the dispute that has not lapsed. */
export function claimedByAnother(row: Pick<TradeRow, "disputeAssigneeId" | "disputeClaimedUntil">, adminId: string, now = new Date()): boolean {
  return (
    row.disputeAssigneeId !== null && row.disputeAssigneeId !== adminId && row.disputeClaimedUntil !== null && row.disputeClaimedUntil.getTime() > now.getTime()
  );
}
