import { jobTask, TASKS, type Logger, type Task } from "@localex/common";
import type { AccountDeletionService } from "./account-deletion.service.ts";

/**
 * `identity:delete-account`: the deletion's steps not yet done. A step that fails (a subgraph
 * down, a trade accepted in the meantime) throws, and graphile-worker retries with backoff from
 * the step that failed; the last error is kept on the deletion's record for operators.
 */
export function deleteAccountTask(deletion: AccountDeletionService, log: Logger): Task {
  return jobTask(TASKS.deleteAccount, log, async ({ userId }) => {
    const outcome = await deletion.resume(userId);
    if (outcome === "done") log.info({ userId }, "account deleted");
  });
}
