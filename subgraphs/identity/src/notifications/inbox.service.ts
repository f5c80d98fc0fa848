import { and, desc, eq, inArray, isNull, sql, type SQL } from "drizzle-orm";
import { decodeInstantCursor, isUuid, toConnection, type Connection, type Database } from "@localex/common";
import { notifications, type NotificationRow, type schema } from "../db/schema.ts";

export type InboxPage = Connection<NotificationRow> & { unreadCount: number };

/** A member's notifications: newest first, read or unread. */
export class InboxService {
  constructor(private readonly db: Database<typeof schema>) {}

  async page(userId: string, first: number, after: string | null, unreadOnly: boolean): Promise<InboxPage> {
    const cursor = decodeInstantCursor(after);
    const mine = eq(notifications.userId, userId);
    const filter = and(mine, unreadOnly ? isNull(notifications.readAt) : undefined);
    const page: SQL | undefined = cursor ? sql`(${notifications.createdAt}, ${notifications.id}) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)` : undefined;
    const [rows, [counts]] = await Promise.all([
      this.db
        .select()
        .from(notifications)
        .where(and(filter, page))
        .orderBy(desc(notifications.createdAt), desc(notifications.id))
        .limit(first + 1),
      this.db
        .select({
          total: unreadOnly ? sql<number>`count(*) filter (where ${notifications.readAt} is null)::int` : sql<number>`count(*)::int`,
          unread: sql<number>`count(*) filter (where ${notifications.readAt} is null)::int`,
        })
        .from(notifications)
        .where(mine),
    ]);
    const connection = toConnection(rows, first, (r) => [r.createdAt.toISOString(), r.id], counts?.total ?? 0, cursor !== null);
    return { ...connection, unreadCount: counts?.unread ?? 0 };
  }

  /** One of the member's notifications (null for anyone else's). */
  async one(userId: string, id: string): Promise<NotificationRow | null> {
    if (!isUuid(id)) return null;
    const [row] = await this.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.id, id), eq(notifications.userId, userId)));
    return row ?? null;
  }

  /** Marks the member's own notifications among `ids` read; returns how many were unread. */
  async markRead(userId: string, ids: readonly string[]): Promise<number> {
    const valid = [...new Set(ids.filter(isUuid))];
    if (valid.length === 0) return 0;
    const changed = await this.db
      .update(notifications)
      .set({ readAt: sql`now()` })
      .where(and(eq(notifications.userId, userId), inArray(notifications.id, valid), isNull(notifications.readAt)))
      .returning({ id: notifications.id });
    return changed.length;
  }
}
