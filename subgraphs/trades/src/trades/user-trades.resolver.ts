import { Arg, Ctx, FieldResolver, Float, Int, Resolver, Root } from "type-graphql";
import { emptyConnection, pageSize, type Connection } from "@localex/common";
import type { TradesContext } from "../context.ts";
import type { TradeRow, TradeStatusName } from "../db/schema.ts";
import { TradeConnection, TradeStatus, User } from "./trade.type.ts";

@Resolver(() => User)
export class UserTradesResolver {
  @FieldResolver(() => TradeConnection, {
    nullable: true,
    description:
      "Your own trades, newest first; empty for anyone else's. Null only while the trades service cannot be reached (the error says SUBGRAPH_UNAVAILABLE or SUBGRAPH_TIMEOUT: retry), so the rest of the answer still arrives.",
  })
  trades(
    @Root() user: User,
    @Arg("status", () => TradeStatus, { nullable: true }) status: TradeStatusName | null,
    @Arg("first", () => Int, { nullable: true }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: TradesContext,
  ): Promise<Connection<TradeRow>> {
    const size = pageSize(first);
    if (ctx.caller?.userId !== user.id) return Promise.resolve(emptyConnection<TradeRow>());
    return ctx.services.store.pageForUser(user.id, status ?? null, size, after ?? null);
  }

  @FieldResolver(() => Float, { nullable: true, description: "Mean rating (1 to 5) from feedback on completed trades; null without any." })
  async rating(@Root() user: User, @Ctx() ctx: TradesContext): Promise<number | null> {
    const stats = await ctx.loaders.statsByUser.load(user.id);
    return stats?.rating ?? null;
  }

  @FieldResolver(() => Int, {
    nullable: true,
    description:
      "Trades this user has completed. Null only while the trades service cannot be reached (the error says SUBGRAPH_UNAVAILABLE or SUBGRAPH_TIMEOUT: retry), so the rest of the answer still arrives.",
  })
  async completedTrades(@Root() user: User, @Ctx() ctx: TradesContext): Promise<number> {
    const stats = await ctx.loaders.statsByUser.load(user.id);
    return stats?.completedTrades ?? 0;
  }
}
