import { accepted, refusal, textProblem, type Caller, type Connection, type Outcome } from "@localex/common";
import type { FeedbackRow, TradeRow } from "../db/schema.ts";
import { isParty, otherParty } from "../trades/rules.ts";
import type { TradeStore } from "../trades/trade.store.ts";
import type { FeedbackStore, UserStats } from "./feedback.store.ts";

const MAX_COMMENT = 1000;

/** A trade that ended with the exchange made: completed, or a dispute resolved as COMPLETE. */
export function isCompleted(row: Pick<TradeRow, "status" | "resolution">): boolean {
  return row.status === "COMPLETED" || (row.status === "RESOLVED" && row.resolution === "COMPLETE");
}

/** Feedback between the parties of completed trades, and the ratings it adds up to. */
export class FeedbackService {
  constructor(
    private readonly feedback: FeedbackStore,
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
    const row = await this.feedback.add({ tradeId, authorId: caller.userId, subjectId: otherParty(trade, caller.userId), rating, comment: text });
    if (!row) return refusal("ALREADY_GIVEN", "You have already left feedback on this trade.", "tradeId");
    return accepted(row);
  }

  /** Feedback `subjectId` received, newest first. */
  receivedBy(subjectId: string, first: number, after: string | null): Promise<Connection<FeedbackRow>> {
    return this.feedback.receivedBy(subjectId, first, after);
  }

  /** Rating and completed trades per user. */
  statsOf(userIds: readonly string[]): Promise<UserStats[]> {
    return this.feedback.statsOf(userIds);
  }
}
