import { Arg, Ctx, ID, Mutation, Resolver } from "type-graphql";
import { activeMemberRefusal, requireCaller, toPayload } from "@localex/common";
import type { TradesContext } from "../context.ts";
import { TradePayload, type TradePayloadOf } from "../trades/trade.type.ts";
import { CounterTradeInput, ProposeTradeInput } from "./proposal.inputs.ts";

@Resolver()
export class ProposalsResolver {
  @Mutation(() => TradePayload, { description: "Proposes a trade; replaying the idempotency key returns the first trade." })
  async proposeTrade(
    @Arg("input", () => ProposeTradeInput) input: ProposeTradeInput,
    @Arg("idempotencyKey", () => String) idempotencyKey: string,
    @Ctx() ctx: TradesContext,
  ): Promise<TradePayloadOf> {
    const caller = await ctx.services.limits.signedIn("PROPOSE_TRADE_PER_ACCOUNT", ctx.caller);
    // A suspended member starts no trade (the token carries the suspension); the other party of their open trades still finishes or cancels them.
    return toPayload(activeMemberRefusal(caller) ?? (await ctx.services.proposals.propose(caller, input, idempotencyKey)), "trade");
  }

  @Mutation(() => TradePayload, { description: "The party whose turn it is changes the terms; the turn passes to the other." })
  async counterTrade(
    @Arg("id", () => ID) id: string,
    @Arg("input", () => CounterTradeInput) input: CounterTradeInput,
    @Ctx() ctx: TradesContext,
  ): Promise<TradePayloadOf> {
    const caller = await ctx.services.limits.signedIn("PROPOSE_TRADE_PER_ACCOUNT", ctx.caller);
    return toPayload(activeMemberRefusal(caller) ?? (await ctx.services.proposals.counter(caller, id, input)), "trade");
  }

  @Mutation(() => TradePayload, { description: "The party whose turn it is turns the trade down." })
  async declineTrade(@Arg("id", () => ID) id: string, @Ctx() ctx: TradesContext): Promise<TradePayloadOf> {
    return toPayload(await ctx.services.proposals.decline(requireCaller(ctx.caller), id), "trade");
  }
}
