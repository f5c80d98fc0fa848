import { eq } from "drizzle-orm";
import { enqueueJob, jobTask, TASKS, type Database, type Logger, type Task } from "@localex/common";
import { users, type schema } from "../db/schema.ts";

/**
 * `identity:notify-admins`: what only admins can act on (a dispute whose escrow stays frozen
 * until one decides) reaches every admin as an ordinary notification: one `identity:notify` job
 * each, enqueued in one transaction, so each is told in the inbox and by email or push as their
 * preferences say. Keyed per admin, so a run repeated after a crash tells nobody twice.
 */
export function notifyAdminsTask(deps: { db: Database<typeof schema>; log: Logger }): Task {
  return jobTask(TASKS.notifyAdmins, deps.log, async ({ kind, key, tradeId, details }) => {
    await deps.db.transaction(async (tx) => {
      const admins = await tx.select({ id: users.id }).from(users).where(eq(users.role, "admin"));
      for (const admin of admins) {
        await enqueueJob(tx, TASKS.notify, { userId: admin.id, kind, key: `${key}:${admin.id}`, tradeId, details });
      }
      if (admins.length === 0) deps.log.warn({ kind, key }, "no admin to tell: the exchange has no admin");
    });
  });
}
