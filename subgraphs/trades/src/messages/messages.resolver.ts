import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root } from "type-graphql";
import { emptyConnection, pageSize, toPayload, type Connection, type PayloadOf } from "@localex/common";
import type { TradesContext } from "../context.ts";
import type { TradeMessageRow, TradeRow } from "../db/schema.ts";
import { isParty } from "../trades/rules.ts";
import { Trade, User } from "../trades/trade.type.ts";
import { SendTradeMessagePayload, TradeMessage, TradeMessageConnection } from "./message.type.ts";

@Resolver(() => Trade)
export class TradeMessagesResolver {
  @FieldResolver(() => TradeMessageConnection, {
    description:
      "What the parties wrote to each other, oldest first. For the two parties; an administrator reads them only while the trade is DISPUTED; " +
      "empty for anyone else. Live: `tradeUpdated(id:)` delivers the trade on each new message, so select `messages(after: <the last cursor you hold>)` in it.",
  })
  async messages(
    @Root() trade: TradeRow,
    @Arg("first", () => Int, { nullable: true }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: TradesContext,
  ): Promise<Connection<TradeMessageRow>> {
    const size = pageSize(first);
    if (!ctx.caller || !(await mayRead(trade, ctx))) return emptyConnection<TradeMessageRow>();
    return ctx.services.messages.page(trade, size, after ?? null, ctx.caller);
  }

  @Mutation(() => SendTradeMessagePayload, {
    description:
      "A party writes to the other, in any status until the trade closes (DISPUTED included). The other party is told live (`tradeUpdated`) and by a " +
      "TRADE_MESSAGE notification (one unread per trade at a time). Replaying the idempotency key returns the first message. Refused as data: " +
      "NOT_FOUND (not your trade), TRADE_CLOSED, INVALID_INPUT (body, idempotencyKey), IDEMPOTENCY_CONFLICT.",
  })
  async sendTradeMessage(
    @Arg("tradeId", () => ID) tradeId: string,
    @Arg("body", () => String, { description: "1 to 2000 characters after trimming; line breaks and tabs kept." }) body: string,
    @Arg("idempotencyKey", () => String, { nullable: true, description: "Optional, 1 to 200 characters: a resend with the same key stores nothing new." })
    idempotencyKey: string | null,
    @Ctx() ctx: TradesContext,
  ): Promise<PayloadOf<{ message: TradeMessageRow }>> {
    const caller = await ctx.services.limits.signedIn("TRADE_MESSAGE_PER_ACCOUNT", ctx.caller);
    return toPayload(await ctx.services.messages.send(caller, tradeId, body, idempotencyKey), "message");
  }
}

/** The parties always; an administrator only while the trade is DISPUTED, and only while identity still stores the role. */
async function mayRead(trade: TradeRow, ctx: TradesContext): Promise<boolean> {
  const caller = ctx.caller;
  if (!caller) return false;
  if (isParty(trade, caller.userId)) return true;
  if (caller.role !== "admin" || trade.status !== "DISPUTED") return false;
  return ctx.loaders.currentAdmin.load("caller");
}

@Resolver(() => TradeMessage)
export class TradeMessageResolver {
  @FieldResolver(() => User, { description: "Who wrote it (a deleted member shows as deleted)." })
  author(@Root() row: TradeMessageRow): User {
    return { id: row.authorId };
  }
}
