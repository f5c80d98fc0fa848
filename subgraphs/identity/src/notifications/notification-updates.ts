import { apiError, eventId, liveStream, TOPICS, type Caller, type DeliveryNotice, type EventBus } from "@localex/common";
import type { NotificationRow } from "../db/schema.ts";
import type { InboxService } from "./inbox.service.ts";

/** `notificationAdded`: each notification recorded for the signed-in member, and only theirs. */
export async function followNotifications(
  events: EventBus,
  inbox: InboxService,
  caller: Caller | null,
): Promise<AsyncIterableIterator<NotificationRow | DeliveryNotice>> {
  if (!caller) throw apiError("UNAUTHENTICATED", "Sign in to subscribe.");
  return liveStream(events, [TOPICS.userNotifications(caller.userId)], {
    next: async (payload) => {
      const id = eventId(payload);
      return id ? inbox.one(caller.userId, id) : null;
    },
  });
}
