import { enqueueJob, TASKS, type SqlExecutor } from "@localex/common";

/** (Re)schedules the trade's expiry (`trades:expire-trade`); a counter-offer moves it, replacing the pending job. */
export async function scheduleExpiry(tx: SqlExecutor, tradeId: string, expiresAt: Date): Promise<void> {
  await enqueueJob(tx, TASKS.expireTrade, { tradeId }, { runAt: expiresAt, jobKey: `trade-expiry:${tradeId}`, maxAttempts: 10 });
}
