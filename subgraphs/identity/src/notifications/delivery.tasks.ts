import { and, asc, eq, inArray, isNull, sql } from "drizzle-orm";
import { jobTask, TASKS, type Database, type Logger, type TaskList } from "@localex/common";
import { notifications, users, type schema } from "../db/schema.ts";
import { DeliveryFailed, type EmailChannel, type OutgoingNotification, type PushChannel } from "./channels/index.ts";
import type { PreferencesService } from "./preferences.service.ts";
import type { PushSubscriptionsService } from "./push-subscriptions.service.ts";

export interface DeliveryDeps {
  db: Database<typeof schema>;
  email: EmailChannel;
  push: PushChannel;
  preferences: PreferencesService;
  pushSubscriptions: PushSubscriptionsService;
  log: Logger;
  /** How long one notification's push to all of a member's browsers may take. */
  pushBudgetMs: number;
}

const outgoing = (row: typeof notifications.$inferSelect): OutgoingNotification => ({
  id: row.id,
  kind: row.kind,
  message: row.message,
  createdAt: row.createdAt,
  tradeId: row.tradeId,
});

/**
 * Email and push of recorded notifications. A failure the channel calls retryable (a server
 * down, a timeout) is thrown, and the queue retries with backoff; one it does not (a mailbox
 * refused, a malformed subscription) is logged and not retried.
 */
export function deliveryTasks(deps: DeliveryDeps): TaskList {
  return {
    // Everything of this kind not yet emailed goes in one email: a digest when there are several.
    [TASKS.sendNotificationEmail]: jobTask(TASKS.sendNotificationEmail, deps.log, async ({ userId, kind }) => {
      if (!(await deps.preferences.channelsFor(userId, kind)).email) return;
      const [user] = await deps.db.select().from(users).where(eq(users.id, userId));
      if (!user) return;
      const unsent = await deps.db
        .select()
        .from(notifications)
        .where(and(eq(notifications.userId, userId), eq(notifications.kind, kind), isNull(notifications.emailedAt)))
        .orderBy(asc(notifications.createdAt))
        .limit(50);
      if (unsent.length === 0) return;
      try {
        await deps.email.send({ userId, email: user.email, displayName: user.displayName }, unsent.map(outgoing));
      } catch (e) {
        if (e instanceof DeliveryFailed && !e.retryable) {
          deps.log.error({ err: e, userId, kind }, "a notification email was refused; not retried");
        } else throw e;
      }
      await deps.db
        .update(notifications)
        .set({ emailedAt: sql`now()` })
        .where(
          inArray(
            notifications.id,
            unsent.map((n) => n.id),
          ),
        );
    }),

    // To all of the member's browsers at once, within one budget: a slow or dead endpoint holds
    // neither the others nor the push slot for longer than that.
    [TASKS.sendNotificationPush]: jobTask(TASKS.sendNotificationPush, deps.log, async ({ notificationId }, helpers) => {
      const [row] = await deps.db.select().from(notifications).where(eq(notifications.id, notificationId));
      if (!row || !(await deps.preferences.channelsFor(row.userId, row.kind)).push) return;
      const budget = AbortSignal.timeout(deps.pushBudgetMs);
      const signal = helpers.abortSignal ? AbortSignal.any([budget, helpers.abortSignal]) : budget;
      const targets = await deps.pushSubscriptions.of(row.userId);
      const sent = await Promise.allSettled(
        targets.map(async (target) => {
          const { gone } = await deps.push.send({ endpoint: target.endpoint, keys: { p256dh: target.p256dh, auth: target.auth } }, outgoing(row), signal);
          if (gone) await deps.pushSubscriptions.unregister(row.userId, target.endpoint);
        }),
      );
      const retryable: unknown[] = [];
      for (const outcome of sent) {
        if (outcome.status === "fulfilled") continue;
        const e: unknown = outcome.reason;
        if (e instanceof DeliveryFailed && !e.retryable) deps.log.warn({ err: e, notificationId }, "a push was refused; not retried");
        else retryable.push(e);
      }
      // Push is at least once: a retry may reach again a browser the first run reached.
      if (retryable.length > 0) throw retryable[0];
    }),
  };
}
