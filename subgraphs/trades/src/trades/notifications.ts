import { enqueueJob, TASKS, type NotificationKindName, type SqlExecutor } from "@localex/common";
import type { TradeEventKindName, TradeRow } from "../db/schema.ts";
import type { EventRecord } from "./trade.store.ts";

/** The trade events a party is told about, and what they are called in the inbox. */
const KINDS: Partial<Record<TradeEventKindName, NotificationKindName>> = {
  PROPOSED: "TRADE_PROPOSED",
  COUNTERED: "TRADE_COUNTERED",
  ACCEPTED: "TRADE_ACCEPTED",
  DECLINED: "TRADE_DECLINED",
  CANCELLED: "TRADE_CANCELLED",
  EXPIRED: "TRADE_EXPIRED",
  COMPLETED: "TRADE_COMPLETED",
  DISPUTED: "TRADE_DISPUTED",
  RESOLVED: "TRADE_RESOLVED",
};

/** Both parties hear of these whoever acted; of the others, only the party who did not act. */
const BOTH_PARTIES = new Set<TradeEventKindName>(["EXPIRED", "COMPLETED", "RESOLVED"]);

/**
 * Tells the trade's parties about one of its events: an `identity:notify` job per party,
 * enqueued in the transaction that records the event, so a committed step is never left
 * untold. Keyed by the event, so a job that runs twice records one notification.
 */
export async function notifyParties(
  tx: SqlExecutor,
  trade: Pick<TradeRow, "id" | "proposerId" | "recipientId">,
  eventId: number,
  event: EventRecord,
): Promise<void> {
  const kind = KINDS[event.kind];
  if (!kind) return;
  const parties = [trade.proposerId, trade.recipientId];
  const told = BOTH_PARTIES.has(event.kind) ? parties : parties.filter((id) => id !== event.actorId);
  const details: Record<string, string> = {};
  if (event.kind === "RESOLVED" && event.note) details.outcome = event.note;
  if (event.kind === "RESOLVED" && event.reason) details.reason = event.reason;
  for (const userId of told) {
    await enqueueJob(tx, TASKS.notify, { userId, kind, key: `trade-event:${eventId}:${userId}`, tradeId: trade.id, details });
  }
  // Escrow stays frozen until an admin decides, so the queue's keepers hear of every dispute, whoever raised it.
  if (event.kind === "DISPUTED") {
    const why: Record<string, string> = event.note ? { reason: event.note } : {};
    await enqueueJob(tx, TASKS.notifyAdmins, { kind: "DISPUTE_OPENED", key: `trade-event:${eventId}`, tradeId: trade.id, details: why });
  }
}
