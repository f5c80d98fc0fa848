import { jobTask, TASKS, type Logger, type Task } from "@localex/common";
import { DeletionStepFailed, type AccountDeletionService } from "./account-deletion.service.ts";

/**
 * `identity:delete-account`: the deletion's steps not yet done. A step that fails (a subgraph
 * down, a trade stuck mid-step) throws, and graphile-worker retries with backoff from the step
 * that failed; the last error is kept on the deletion's record. A refusal (retrying will not help
 * by itself) or the last attempt is logged as an error naming what remains: the hourly sweep
 * (deletion-sweep.ts) queues the job again, and so does `pnpm admin resume-deletions`.
 */
export function deleteAccountTask(deletion: AccountDeletionService, log: Logger): Task {
  return jobTask(TASKS.deleteAccount, log, async ({ userId }, helpers) => {
    try {
      const outcome = await deletion.resume(userId);
      if (outcome === "done") log.info({ userId }, "account deleted");
    } catch (error) {
      if (!(error instanceof DeletionStepFailed)) throw error;
      const { attempts, max_attempts: maxAttempts } = helpers.job;
      const entry = { userId, step: error.step, remaining: error.remaining, reason: error.reason.slice(0, 300), attempts, maxAttempts };
      if (error.refusal || attempts >= maxAttempts) {
        log.error(
          entry,
          "an account deletion cannot finish on its own: the member's data in the remaining steps is kept until it does (the hourly sweep, or `pnpm admin resume-deletions`, runs it again)",
        );
      } else {
        log.warn(entry, "an account deletion step failed; it is retried");
      }
      throw error;
    }
  });
}
