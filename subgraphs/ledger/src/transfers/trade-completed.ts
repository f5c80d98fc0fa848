import { jobTask, TASKS, type Logger, type Task } from "@localex/common";
import type { AccountsService } from "../accounts/accounts.service.ts";

/**
 * Handles `ledger:trade-completed` (enqueued by trades in the transaction that completes a
 * trade): each party's welcome credits become transferable. Safe to run again.
 */
export function tradeCompletedTask(accounts: AccountsService, log: Logger): Task {
  return jobTask(TASKS.tradeCompleted, log, async ({ memberIds }) => {
    // One statement per member, each its own transaction: no two account rows locked at once.
    for (const userId of memberIds) await accounts.markTraded(userId);
  });
}
