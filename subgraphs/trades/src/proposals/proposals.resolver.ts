import { Arg, Ctx, ID, Mutation, Resolver } from "type-graphql";
import { requireCaller } from "@localex/common";
import type { TradesContext } from "../context.ts";
import { TradePayload } from "../trades/trade.type.ts";
import type { TradeResult } from "../trades/rules.ts";
import { CounterTradeInput, ProposeTradeInput } from "./proposal.inputs.ts";

@Resolver()
export class ProposalsResolver {
  @Mutation(() => TradePayload, { description: "Proposes a trade; replaying the idempotency key returns the first trade." })
  async proposeTrade(
    @Arg("input", () => ProposeTradeInput) input: ProposeTradeInput,
    @Arg("idempotencyKey", () => String) idempotencyKey: string,
    @Ctx() ctx: TradesContext,
  ): Promise<TradeResult> {
    const caller = await ctx.services.limits.signedIn("PROPOSE_TRADE_PER_ACCOUNT", ctx.caller);
    return ctx.services.proposals.propose(caller, input, idempotencyKey);
  }

  @Mutation(() => TradePayload, { description: "The party whose turn it is changes the terms; the turn passes to the other." })
  async counterTrade(
    @Arg("id", () => ID) id: string,
    @Arg("input", () => CounterTradeInput) input: CounterTradeInput,
    @Ctx() ctx: TradesContext,
  ): Promise<TradeResult> {
    const caller = await ctx.services.limits.signedIn("PROPOSE_TRADE_PER_ACCOUNT", ctx.caller);
    return ctx.services.proposals.counter(caller, id, input);
  }

  @Mutation(() => TradePayload, { description: "The party whose turn it is turns the trade down." })
  declineTrade(@Arg("id", () => ID) id: string, @Ctx() ctx: TradesContext): Promise<TradeResult> {
    return ctx.services.proposals.decline(requireCaller(ctx.caller), id);
  }
}
