import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from "type-graphql";
import { toPayload } from "@localex/common";
import type { TradesContext } from "../context.ts";
import type { HandOverPointRow, TradeRow } from "../db/schema.ts";
import { isClosed, isParty } from "../trades/rules.ts";
import { Trade, TradePayload, User, type TradePayloadOf } from "../trades/trade.type.ts";
import { HandOverPoint, HandOverPointInput } from "./hand-over.type.ts";

@Resolver(() => Trade)
export class TradeHandOverResolver {
  @FieldResolver(() => HandOverPoint, {
    nullable: true,
    description:
      "Where the parties mean to meet, if one of them shared it: for the two parties only (null for anyone else, admins too), gone once the trade closes.",
  })
  async handOverPoint(@Root() trade: TradeRow, @Ctx() ctx: TradesContext): Promise<HandOverPointRow | null> {
    if (!ctx.caller || !isParty(trade, ctx.caller.userId) || isClosed(trade)) return null;
    return ctx.loaders.handOverPointByTrade.load(trade.id);
  }

  @Mutation(() => TradePayload, {
    description:
      "A party shares where to meet with the other party only, once the trade is ACCEPTED and until it closes; replaces the point shared before. " +
      "Refused as data: NOT_FOUND (not your trade), INVALID_STATE (not accepted yet), TRADE_CLOSED, INVALID_INPUT (point or note).",
  })
  async shareHandOverPoint(
    @Arg("tradeId", () => ID) tradeId: string,
    @Arg("point", () => HandOverPointInput) point: HandOverPointInput,
    @Arg("note", () => String, { nullable: true, description: "At most 300 characters." }) note: string | null,
    @Ctx() ctx: TradesContext,
  ): Promise<TradePayloadOf> {
    const caller = await ctx.services.limits.signedIn("TRADE_MESSAGE_PER_ACCOUNT", ctx.caller);
    return toPayload(await ctx.services.handOver.share(caller, tradeId, point, note), "trade");
  }

  @Mutation(() => TradePayload, { description: "A party takes the trade's hand-over point back (whoever shared it); nothing to clear is not an error." })
  async clearHandOverPoint(@Arg("tradeId", () => ID) tradeId: string, @Ctx() ctx: TradesContext): Promise<TradePayloadOf> {
    const caller = await ctx.services.limits.signedIn("TRADE_MESSAGE_PER_ACCOUNT", ctx.caller);
    return toPayload(await ctx.services.handOver.clear(caller, tradeId), "trade");
  }
}

@Resolver(() => HandOverPoint)
export class HandOverPointResolver {
  @FieldResolver(() => User, { description: "The party who shared it." })
  sharedBy(@Root() point: HandOverPointRow): User {
    return { id: point.sharedBy };
  }
}
