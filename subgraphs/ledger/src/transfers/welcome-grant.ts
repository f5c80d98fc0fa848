import { isUuid, type TaskList, type WelcomeGrantJob } from "@localex/common";
import type { TransfersService } from "./transfers.service.ts";

function isWelcomeGrantJob(payload: unknown): payload is WelcomeGrantJob {
  return typeof payload === "object" && payload !== null && "userId" in payload && typeof payload.userId === "string";
}

/** Handles `ledger:welcome-grant` (enqueued by identity at registration); safe to run again. */
export function welcomeGrantTask(transfers: TransfersService): TaskList[string] {
  return async (payload) => {
    if (!isWelcomeGrantJob(payload) || !isUuid(payload.userId)) {
      throw new Error(`ledger:welcome-grant needs { userId: <uuid> }, got ${JSON.stringify(payload)}`);
    }
    const result = await transfers.welcomeGrant(payload.userId);
    if (!result.ok) throw new Error(`welcome grant for ${payload.userId} failed: ${result.code}`);
  };
}
