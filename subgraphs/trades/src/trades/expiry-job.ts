import { enqueueJob, TASKS, type SqlExecutor } from "@localex/common";

/**
 * (Re)schedules the trade's deadline (`trades:expire-trade`): an open trade's expiry (a counter-offer
 * moves it), or an accepted trade's confirmation deadline; each replaces the pending job.
 */
export async function scheduleExpiry(tx: SqlExecutor, tradeId: string, expiresAt: Date): Promise<void> {
  await enqueueJob(tx, TASKS.expireTrade, { tradeId }, { runAt: expiresAt, jobKey: `trade-expiry:${tradeId}`, maxAttempts: 10 });
}
