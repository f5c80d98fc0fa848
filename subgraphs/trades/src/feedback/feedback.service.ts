import { and, desc, eq, sql, type SQL } from "drizzle-orm";
import { accepted, decodeInstantCursor, isUuid, refusal, textProblem, toConnection, type Caller, type Connection, type Outcome } from "@localex/common";
import { feedback, type FeedbackRow, type TradeRow, type TradesDatabase } from "../db/schema.ts";
import { isParty, otherParty } from "../trades/rules.ts";
import type { TradeStore } from "../trades/trade.store.ts";

export interface UserStats {
  userId: string;
  rating: number | null;
  completedTrades: number;
}

const MAX_COMMENT = 1000;

/** A trade that ended with the exchange made: completed, or a dispute resolved as COMPLETE. */
export function isCompleted(row: Pick<TradeRow, "status" | "resolution">): boolean {
  return row.status === "COMPLETED" || (row.status === "RESOLVED" && row.resolution === "COMPLETE");
}

/** Feedback between the parties of completed trades, and the ratings it adds up to. */
export class FeedbackService {
  constructor(
    private readonly db: TradesDatabase,
    private readonly store: TradeStore,
  ) {}

  async leave(caller: Caller, tradeId: string, rating: number, comment: string | null | undefined): Promise<Outcome<FeedbackRow>> {
    if (!Number.isInteger(rating) || rating < 1 || rating > 5) return refusal("INVALID_INPUT", "The rating must be 1 to 5.", "rating");
    const text = comment?.normalize("NFC").trim() || null;
    const problem = text && textProblem(text, { label: "The comment", max: MAX_COMMENT, multiline: true });
    if (problem) return refusal("INVALID_INPUT", problem, "comment");
    const trade = await this.store.byId(tradeId);
    if (!trade) return refusal("NOT_FOUND", "There is no such trade.", "tradeId");
    if (!isParty(trade, caller.userId)) return refusal("FORBIDDEN", "Only the parties to this trade may leave feedback.", "tradeId");
    if (!isCompleted(trade)) return refusal("INVALID_STATE", `This trade is ${trade.status}; feedback follows a completed trade.`, "tradeId");
    const [row] = await this.db
      .insert(feedback)
      .values({ tradeId, authorId: caller.userId, subjectId: otherParty(trade, caller.userId), rating, comment: text })
      .onConflictDoNothing({ target: [feedback.tradeId, feedback.authorId] })
      .returning();
    if (!row) return refusal("ALREADY_GIVEN", "You have already left feedback on this trade.", "tradeId");
    return accepted(row);
  }

  /** Feedback `subjectId` received, newest first (keyset pages on created_at, id). */
  async receivedBy(subjectId: string, first: number, after: string | null): Promise<Connection<FeedbackRow>> {
    const cursor = decodeInstantCursor(after);
    if (!isUuid(subjectId)) return toConnection([], first, () => [], 0, cursor !== null);
    const mine = eq(feedback.subjectId, subjectId);
    const page: SQL | undefined = cursor ? sql`(${feedback.createdAt}, ${feedback.id}) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)` : undefined;
    const [rows, [count]] = await Promise.all([
      first === 0 ? Promise.resolve([]) : this.db.select().from(feedback).where(and(mine, page)).orderBy(desc(feedback.createdAt), desc(feedback.id)).limit(first + 1),
      this.db.select({ n: sql<number>`count(*)::int` }).from(feedback).where(mine),
    ]);
    return toConnection(rows, first, (r) => [r.createdAt.toISOString(), r.id], count?.n ?? 0, cursor !== null);
  }

  /** Rating (mean of feedback received) and completed trades per user, in one statement. */
  async statsOf(userIds: readonly string[]): Promise<UserStats[]> {
    const ids = userIds.filter(isUuid);
    if (ids.length === 0) return [];
    const list = sql.join(
      ids.map((id) => sql`${id}`),
      sql`, `,
    );
    const rows = await this.db.execute<{ user_id: string; rating: number | null; completed: number }>(sql`
      select u.id as user_id,
        (select avg(f.rating)::float8 from trades.feedback f where f.subject_id = u.id) as rating,
        (select count(*)::int from trades.trades t
          where (t.proposer_id = u.id or t.recipient_id = u.id)
            and (t.status = 'COMPLETED' or (t.status = 'RESOLVED' and t.resolution = 'COMPLETE'))) as completed
      from unnest(array[${list}]::uuid[]) as u(id)`);
    return rows.map((r) => ({ userId: r.user_id, rating: r.rating, completedTrades: r.completed }));
  }
}
