import { and, eq, isNull, sql } from "drizzle-orm";
import {
  afterCommit,
  enqueueJob,
  jobTask,
  unitOfWork,
  TASKS,
  TOPICS,
  databaseErrorCodes,
  type Database,
  type EventBus,
  type Logger,
  type NotificationKindName,
  type Task,
} from "@localex/common";
import { notifications, type IdentityTx, type schema } from "../db/schema.ts";
import { notificationMessage } from "./channels/templates.ts";
import type { PreferencesService } from "./preferences.service.ts";
import type { PushSubscriptionsService } from "./push-subscriptions.service.ts";

export interface NotifyDeps {
  db: Database<typeof schema>;
  preferences: PreferencesService;
  pushSubscriptions: Pick<PushSubscriptionsService, "hasAny">;
  events: EventBus;
  log: Logger;
  /** Notifications of one kind within this window go out as one email. */
  digestSeconds: number;
}

/** Kinds that come in bursts: while one about a trade is unread, more about it record nothing (nor mail, nor push). */
const ONE_UNREAD_PER_TRADE = new Set<NotificationKindName>(["TRADE_MESSAGE"]);

/**
 * `identity:notify`: records the notification in the member's inbox (once per key, however
 * often the job runs) and, in the same transaction, the email and push jobs the member's
 * preferences ask for; then tells the member's live subscribers. The email job is keyed by
 * member and kind and keeps its first run time, so what arrives within the digest window
 * leaves in one email. Kinds that come in bursts (a trade's messages) record nothing while the
 * member has one unread about the same trade: one notification per burst, until read.
 */
export function notifyTask(deps: NotifyDeps): Task {
  return jobTask(TASKS.notify, deps.log, async ({ userId, kind, key, tradeId, mediaId, jobId, transferId, verificationRequestId, details }) => {
    const channels = await deps.preferences.channelsFor(userId, kind);
    // Most members have no browser subscribed: for them a push job would only wake the queue's
    // workers (each asks PostgreSQL for it) to find nobody to push to.
    const push = channels.push && (await deps.pushSubscriptions.hasAny(userId));
    try {
      await unitOfWork<IdentityTx, { id: string } | null>(
        (work) => deps.db.transaction(work),
        async (tx) => {
          if (tradeId && ONE_UNREAD_PER_TRADE.has(kind) && (await unreadAbout(tx, userId, kind, tradeId))) return null;
          const [row] = await tx
            .insert(notifications)
            .values({ userId, kind, key, tradeId, mediaId, jobId, transferId, verificationRequestId, message: notificationMessage(kind, details) })
            .onConflictDoNothing({ target: notifications.key })
            .returning({ id: notifications.id });
          if (!row) return null; // an earlier run recorded it
          if (channels.email) {
            const runAt = new Date(Date.now() + deps.digestSeconds * 1000);
            await enqueueJob(
              tx,
              TASKS.sendNotificationEmail,
              { userId, kind },
              { jobKey: `notification-email:${userId}:${kind}`, jobKeyMode: "preserve_run_at", runAt },
            );
          }
          if (push) await enqueueJob(tx, TASKS.sendNotificationPush, { notificationId: row.id, userId });
          afterCommit(tx, `notification:${row.id}`, () => deps.events.publish(TOPICS.userNotifications(userId), { id: row.id }));
          return row;
        },
      );
    } catch (e) {
      // The member's account is gone (foreign key): there is nobody left to tell.
      if (databaseErrorCodes(e).includes("23503")) {
        deps.log.info({ userId, kind }, "a notification for a member who no longer exists was dropped");
        return;
      }
      throw e;
    }
  });
}

/** Whether the member has an unread `kind` about the trade, under a lock on that question (two jobs at once record one). */
async function unreadAbout(tx: IdentityTx, userId: string, kind: NotificationKindName, tradeId: string): Promise<boolean> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`notify:${userId}:${kind}:${tradeId}`}))`);
  const [unread] = await tx
    .select({ id: notifications.id })
    .from(notifications)
    .where(and(eq(notifications.userId, userId), eq(notifications.kind, kind), eq(notifications.tradeId, tradeId), isNull(notifications.readAt)))
    .limit(1);
  return unread !== undefined;
}
