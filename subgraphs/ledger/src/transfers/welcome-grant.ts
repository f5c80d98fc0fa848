import { jobTask, TASKS, type Logger, type Task } from "@localex/common";
import type { TransfersService } from "./transfers.service.ts";

/** Handles `ledger:welcome-grant` (enqueued by identity at registration); safe to run again. */
export function welcomeGrantTask(transfers: TransfersService, log: Logger): Task {
  return jobTask(TASKS.welcomeGrant, log, async ({ userId }) => {
    const result = await transfers.welcomeGrant(userId);
    if (!result.ok) throw new Error(`welcome grant for ${userId} failed: ${result.code}`);
  });
}
