import { eq, sql } from "drizzle-orm";
import { NOTIFICATION_KINDS, type Database, type NotificationKindName } from "@localex/common";
import { notificationPreferences, type schema } from "../db/schema.ts";

export interface Channels {
  kind: NotificationKindName;
  email: boolean;
  push: boolean;
}

/** Until a member says otherwise: every kind by push; by email only what needs their action (an infected upload: their device) or moves credits. */
const EMAIL_BY_DEFAULT = new Set<NotificationKindName>([
  "TRADE_PROPOSED",
  "TRADE_COUNTERED",
  "TRADE_ACCEPTED",
  "TRADE_COMPLETED",
  "TRADE_DISPUTED",
  "TRADE_RESOLVED",
  "TRADE_MESSAGE",
  "CREDITS_RECEIVED",
  "UPLOAD_INFECTED",
  "VERIFICATION_APPROVED",
  "VERIFICATION_REJECTED",
  "DATA_EXPORT_READY",
  "MEMBER_SUSPENDED",
  "MEMBER_REINSTATED",
  "LISTING_HIDDEN",
  "MEDIA_TAKEN_DOWN",
  "DISPUTE_OPENED",
]);
export const defaultChannels = (kind: NotificationKindName): Channels => ({ kind, email: EMAIL_BY_DEFAULT.has(kind), push: true });

export class PreferencesService {
  constructor(private readonly db: Database<typeof schema>) {}

  /** Every kind, in NOTIFICATION_KINDS order, the member's choice or the default. */
  async of(userId: string): Promise<Channels[]> {
    const rows = await this.db.select().from(notificationPreferences).where(eq(notificationPreferences.userId, userId));
    const chosen = new Map(rows.map((r) => [r.kind, r]));
    return NOTIFICATION_KINDS.map((kind) => {
      const row = chosen.get(kind);
      return row ? { kind, email: row.email, push: row.push } : defaultChannels(kind);
    });
  }

  async channelsFor(userId: string, kind: NotificationKindName): Promise<Channels> {
    return (await this.of(userId)).find((c) => c.kind === kind)!;
  }

  /** Changes only the channels given, for the kinds given (the last mention of a kind wins). */
  async update(userId: string, changes: readonly { kind: NotificationKindName; email?: boolean | null; push?: boolean | null }[]): Promise<Channels[]> {
    const current = new Map((await this.of(userId)).map((c) => [c.kind, c]));
    for (const change of changes) {
      const was = current.get(change.kind)!;
      current.set(change.kind, { kind: change.kind, email: change.email ?? was.email, push: change.push ?? was.push });
    }
    const rows = [...new Set(changes.map((c) => c.kind))].map((kind) => ({ userId, ...current.get(kind)! }));
    if (rows.length > 0) {
      await this.db
        .insert(notificationPreferences)
        .values(rows)
        .onConflictDoUpdate({
          target: [notificationPreferences.userId, notificationPreferences.kind],
          set: { email: sql`excluded.email`, push: sql`excluded.push` },
        });
    }
    return NOTIFICATION_KINDS.map((kind) => current.get(kind)!);
  }
}
