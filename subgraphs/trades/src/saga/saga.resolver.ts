import { Arg, Ctx, Directive, ID, Mutation, Resolver } from "type-graphql";
import { activeMemberRefusal, requireCaller, requireService, toPayload } from "@localex/common";
import type { TradesContext } from "../context.ts";
import { DisputeOutcome, type DisputeOutcomeName, TradePayload, type TradePayloadOf } from "../trades/trade.type.ts";
import type { RecoveryReport } from "./recovery.service.ts";
import { TradeRecoveryReport } from "./saga.type.ts";

@Resolver()
export class SagaResolver {
  @Mutation(() => TradePayload, {
    description: "The party whose turn it is accepts: the credits each side owes are held in escrow and every listing is reserved, or nothing is.",
  })
  async acceptTrade(
    @Arg("id", () => ID) id: string,
    @Arg("idempotencyKey", () => String) idempotencyKey: string,
    @Ctx() ctx: TradesContext,
  ): Promise<TradePayloadOf> {
    // Accepting places holds, confirming settles them: both move money.
    const caller = await ctx.services.limits.signedIn("MONEY_PER_ACCOUNT", ctx.caller);
    // Accepting starts the exchange: not for a suspended member (cancelling and confirming what is under way stay open).
    return toPayload(activeMemberRefusal(caller) ?? (await ctx.services.acceptance.accept(caller, id, idempotencyKey)), "trade");
  }

  @Mutation(() => TradePayload, { description: "The proposer withdraws before completion; anything held is released." })
  async cancelTrade(@Arg("id", () => ID) id: string, @Ctx() ctx: TradesContext): Promise<TradePayloadOf> {
    return toPayload(await ctx.services.settlement.cancel(requireCaller(ctx.caller), id), "trade");
  }

  @Mutation(() => TradePayload, {
    description: "Each party confirms the exchange took place; after both, the escrow settles and the listings are TRADED.",
  })
  async confirmTradeCompletion(@Arg("id", () => ID) id: string, @Ctx() ctx: TradesContext): Promise<TradePayloadOf> {
    const caller = await ctx.services.limits.signedIn("MONEY_PER_ACCOUNT", ctx.caller);
    return toPayload(await ctx.services.settlement.confirm(caller, id), "trade");
  }

  @Mutation(() => TradePayload, { description: "A party disputes an accepted trade; an administrator resolves it." })
  async openDispute(
    @Arg("id", () => ID) id: string,
    @Arg("reason", () => String, { description: "1 to 1000 characters." }) reason: string,
    @Ctx() ctx: TradesContext,
  ): Promise<TradePayloadOf> {
    return toPayload(await ctx.services.settlement.openDispute(requireCaller(ctx.caller), id, reason), "trade");
  }

  @Mutation(() => TradePayload, {
    description:
      "Administrators: COMPLETE settles the escrow, CANCEL releases it. Refused with DISPUTE_TAKEN while another administrator has taken the dispute (takeDispute).",
  })
  async resolveDispute(
    @Arg("id", () => ID) id: string,
    @Arg("outcome", () => DisputeOutcome) outcome: DisputeOutcomeName,
    @Arg("reason", () => String, {
      nullable: true,
      description: "Why (1 to 1000 characters): both parties are told it with the resolution, and the disputes queue keeps it.",
    })
    reason: string | null,
    @Ctx() ctx: TradesContext,
  ): Promise<TradePayloadOf> {
    return toPayload(await ctx.services.settlement.resolve(requireCaller(ctx.caller), id, outcome, reason ?? null), "trade");
  }

  @Mutation(() => TradeRecoveryReport, {
    description: "Runs the recovery sweep now; `ignoreLeases` also takes over sagas whose driver may still be alive.",
  })
  @Directive("@inaccessible")
  recoverTrades(@Arg("ignoreLeases", () => Boolean, { nullable: true }) ignoreLeases: boolean | null, @Ctx() ctx: TradesContext): Promise<RecoveryReport> {
    requireService(ctx.caller, "Mutation.recoverTrades");
    return ctx.services.recovery.sweep(ignoreLeases ?? false);
  }
}
