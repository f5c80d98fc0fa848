import { jobTask, TASKS, type Logger, type TaskList } from "@localex/common";
import type { ModerationService } from "./moderation.service.ts";

/** identity's two jobs for listings (docs/contracts.md): a takedown, and a suspension or its end. */
export function moderationTasks(moderation: ModerationService, log: Logger): TaskList {
  return {
    [TASKS.takeDownListing]: jobTask(TASKS.takeDownListing, log, (payload) => moderation.takeDown(payload)),
    [TASKS.memberSuspension]: jobTask(TASKS.memberSuspension, log, async (payload) => {
      await moderation.applySuspension(payload);
    }),
  };
}
