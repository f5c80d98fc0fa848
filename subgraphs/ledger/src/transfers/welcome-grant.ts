import { jobTask, TASKS, type Logger, type TaskList } from "@localex/common";
import type { TransfersService } from "./transfers.service.ts";

/** Handles `ledger:welcome-grant` (enqueued by identity at registration); safe to run again. */
export function welcomeGrantTask(transfers: TransfersService, log: Logger): TaskList[string] {
  return jobTask(TASKS.welcomeGrant, log, async ({ userId }) => {
    const result = await transfers.welcomeGrant(userId);
    if (!result.ok) throw new Error(`welcome grant for ${userId} failed: ${result.code}`);
  });
}
