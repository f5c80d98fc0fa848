import { enqueueJob, type SqlExecutor } from "@localex/common";

/** Expires one trade when its time is up; the recovery sweep catches any the job misses. */
export const EXPIRE_TRADE_TASK = "trades:expire-trade";

export interface ExpireTradeJob {
  tradeId: string;
}

/** (Re)schedules the trade's expiry; a counter-offer moves it, replacing the pending job. */
export async function scheduleExpiry(tx: SqlExecutor, tradeId: string, expiresAt: Date): Promise<void> {
  const job: ExpireTradeJob = { tradeId };
  await enqueueJob(tx, EXPIRE_TRADE_TASK, job, { runAt: expiresAt, jobKey: `trade-expiry:${tradeId}`, maxAttempts: 10 });
}
