import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from "type-graphql";
import { pageSize, type Connection } from "@localex/common";
import type { TradesContext } from "../context.ts";
import type { FeedbackRow, TradeRow } from "../db/schema.ts";
import { Trade, User } from "../trades/trade.type.ts";
import { Feedback, FeedbackConnection } from "./feedback.type.ts";

/** Feedback read on a member's profile: what others said about them, by whom. */
@Resolver(() => User)
export class UserFeedbackResolver {
  @FieldResolver(() => FeedbackConnection, {
    nullable: true,
    description:
      "Feedback this member received on completed trades, newest first: rating, comment, who left it. Anyone may read it. Null only while the trades service cannot be reached (SUBGRAPH_UNAVAILABLE or SUBGRAPH_TIMEOUT: retry).",
  })
  feedback(
    @Root() user: User,
    @Arg("first", () => Int, { nullable: true }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: TradesContext,
  ): Promise<Connection<FeedbackRow>> {
    return ctx.services.feedback.receivedBy(user.id, pageSize(first), after ?? null);
  }
}

@Resolver(() => Feedback)
export class FeedbackReadingResolver {
  @FieldResolver(() => User, { description: "Who left it (a deleted member shows as deleted)." })
  author(@Root() row: FeedbackRow): User {
    return { id: row.authorId };
  }

  @FieldResolver(() => Trade, { nullable: true, description: "The trade it is about: for its two parties only, null for anyone else." })
  async trade(@Root() row: FeedbackRow, @Ctx() ctx: TradesContext): Promise<TradeRow | null> {
    const caller = ctx.caller?.userId;
    if (caller !== row.authorId && caller !== row.subjectId) return null;
    return ctx.loaders.tradeById.load(row.tradeId);
  }
}
