import { and, asc, desc, eq, or, sql, type SQL } from "drizzle-orm";
import { decodeInstantCursor, isUuid, toConnection, type Connection } from "@localex/common";
import { feedback, type FeedbackRow, type TradesDatabase } from "../db/schema.ts";

export interface UserStats {
  userId: string;
  rating: number | null;
  completedTrades: number;
}

/** Reads and writes feedback, and the ratings it adds up to. */
export class FeedbackStore {
  constructor(private readonly db: TradesDatabase) {}

  /** Stores the author's feedback on the trade; null when they already left it (theirs stands). */
  async add(values: Pick<FeedbackRow, "tradeId" | "authorId" | "subjectId" | "rating" | "comment">): Promise<FeedbackRow | null> {
    const [row] = await this.db
      .insert(feedback)
      .values(values)
      .onConflictDoNothing({ target: [feedback.tradeId, feedback.authorId] })
      .returning();
    return row ?? null;
  }

  /** Feedback the member gave or received, oldest first (their export). */
  async givenOrReceivedBy(userId: string): Promise<FeedbackRow[]> {
    return this.db
      .select()
      .from(feedback)
      .where(or(eq(feedback.authorId, userId), eq(feedback.subjectId, userId)))
      .orderBy(asc(feedback.createdAt));
  }

  /** Feedback `subjectId` received, newest first (keyset pages on created_at, id). */
  async receivedBy(subjectId: string, first: number, after: string | null): Promise<Connection<FeedbackRow>> {
    const cursor = decodeInstantCursor(after);
    if (!isUuid(subjectId)) return toConnection([], first, () => [], 0, cursor !== null);
    const mine = eq(feedback.subjectId, subjectId);
    const page: SQL | undefined = cursor ? sql`(${feedback.createdAt}, ${feedback.id}) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)` : undefined;
    const [rows, [count]] = await Promise.all([
      first === 0
        ? Promise.resolve([])
        : this.db
            .select()
            .from(feedback)
            .where(and(mine, page))
            .orderBy(desc(feedback.createdAt), desc(feedback.id))
            .limit(first + 1),
      this.db.select({ n: sql<number>`count(*)::int` }).from(feedback).where(mine),
    ]);
    return toConnection(rows, first, (r) => [r.createdAt.toISOString(), r.id], count?.n ?? 0, cursor !== null);
  }

  /** Rating (mean of feedback received) and completed trades per user, in one statement. */
  async statsOf(userIds: readonly string[]): Promise<UserStats[]> {
    const ids = userIds.filter(isUuid);
    if (ids.length === 0) return [];
    // One array parameter: one statement text (one plan) for any number of members.
    const rows = await this.db.execute<{ user_id: string; rating: number | null; completed: number }>(sql`
      select u.id as user_id,
        (select avg(f.rating)::float8 from trades.feedback f where f.subject_id = u.id) as rating,
        (select count(*)::int from trades.trades t
          where (t.proposer_id = u.id or t.recipient_id = u.id)
            and (t.status = 'COMPLETED' or (t.status = 'RESOLVED' and t.resolution = 'COMPLETE'))) as completed
      from unnest(${sql.param(ids)}::uuid[]) as u(id)`);
    return rows.map((r) => ({ userId: r.user_id, rating: r.rating, completedTrades: r.completed }));
  }
}
