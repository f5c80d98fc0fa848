import { Arg, Ctx, ID, Int, Mutation, Resolver } from "type-graphql";
import { requireCaller, toPayload, type PayloadOf } from "@localex/common";
import type { TradesContext } from "../context.ts";
import { FeedbackPayload } from "./feedback.type.ts";
import type { FeedbackRow } from "../db/schema.ts";

@Resolver()
export class FeedbackResolver {
  @Mutation(() => FeedbackPayload, { description: "Rates the other party of a completed trade, once per party per trade." })
  async leaveFeedback(
    @Arg("tradeId", () => ID) tradeId: string,
    @Arg("rating", () => Int, { description: "1 (poor) to 5 (excellent)." }) rating: number,
    @Arg("comment", () => String, { nullable: true, description: "At most 1000 characters." }) comment: string | null,
    @Ctx() ctx: TradesContext,
  ): Promise<PayloadOf<{ feedback: FeedbackRow }>> {
    return toPayload(await ctx.services.feedback.leave(requireCaller(ctx.caller), tradeId, rating, comment), "feedback");
  }
}
