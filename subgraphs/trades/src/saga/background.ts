import { jobQueueOf, jobTask, startJobWorker, TASKS, type Logger, type SubgraphRuntime } from "@localex/common";
import type { TradeSettings } from "../settings.ts";
import type { RecoveryService } from "./recovery.service.ts";

/**
 * The trades subgraph's background work: the expiry job (one per open trade, due at its
 * expiresAt) and the recovery sweep, at start and every TRADE_RECOVERY_INTERVAL_SECONDS.
 */
export async function startTradeBackground(recovery: RecoveryService, runtime: SubgraphRuntime, settings: TradeSettings): Promise<() => Promise<void>> {
  const log: Logger = runtime.log;
  const stopWorker = await startJobWorker({
    ...jobQueueOf(runtime),
    concurrency: 2,
    tasks: {
      // Expires one open trade when its time is up, or disputes an accepted one past its
      // confirmation deadline; the recovery sweep catches any the job misses.
      [TASKS.expireTrade]: jobTask(TASKS.expireTrade, log, async ({ tradeId }) => {
        await recovery.expire(tradeId);
        await recovery.disputeOverdue(tradeId);
      }),
    },
  });

  let running: Promise<void> = Promise.resolve();
  const sweep = () => {
    running = running
      .then(() => recovery.sweep())
      .then((report) => {
        if (report.recovered || report.pending || report.expired || report.overdue) log.info(report, "trade recovery sweep");
      })
      .catch((err: unknown) => log.error({ err }, "trade recovery sweep failed"));
    return running;
  };
  void sweep();
  const timer = setInterval(() => void sweep(), settings.recoveryIntervalSeconds * 1000);
  timer.unref();

  return async () => {
    clearInterval(timer);
    await running;
    await stopWorker();
  };
}
