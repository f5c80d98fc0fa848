import { enqueueJob, TASKS, type SqlExecutor } from "@localex/common";
import type { TradeRow } from "../db/schema.ts";

/**
 * Tells the ledger that a trade completed (`ledger:trade-completed`), in the transaction that
 * completes it: from then on both parties' welcome credits are theirs to send. Keyed by the trade,
 * so a finish retried after a lost commit answer enqueues one job.
 */
export async function announceCompletedTrade(tx: SqlExecutor, row: Pick<TradeRow, "id" | "proposerId" | "recipientId">): Promise<void> {
  await enqueueJob(tx, TASKS.tradeCompleted, { tradeId: row.id, memberIds: [row.proposerId, row.recipientId] }, { jobKey: `trade-completed:${row.id}` });
}
