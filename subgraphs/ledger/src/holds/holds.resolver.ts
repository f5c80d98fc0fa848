import { Arg, Ctx, Directive, FieldResolver, ID, Int, Mutation, Resolver, Root } from "type-graphql";
import { requireService } from "@localex/common";
import type { LedgerContext } from "../context.ts";
import { asHoldOutcome } from "./hold-result.ts";
import { Escrow, EscrowStatus, HoldOutcome, Trade } from "./hold.type.ts";

@Resolver(() => Trade)
export class HoldsResolver {
  @Mutation(() => HoldOutcome, { description: "Holds amount of the payer's available credits for the payee, once per holdKey." })
  @Directive("@inaccessible")
  async placeHold(
    @Arg("holdKey", () => String) holdKey: string,
    @Arg("tradeId", () => ID) tradeId: string,
    @Arg("payerId", () => ID) payerId: string,
    @Arg("payeeId", () => ID) payeeId: string,
    @Arg("amount", () => Int) amount: number,
    @Ctx() ctx: LedgerContext,
  ): Promise<HoldOutcome> {
    requireService(ctx.caller, "Mutation.placeHold");
    return asHoldOutcome(await ctx.services.holds.placeHold({ holdKey, tradeId, payerId, payeeId, amount }));
  }

  @Mutation(() => HoldOutcome, { description: "Moves the held credits to the payee; resolves a hold at most once." })
  @Directive("@inaccessible")
  async settleHold(@Arg("holdKey", () => String) holdKey: string, @Ctx() ctx: LedgerContext): Promise<HoldOutcome> {
    requireService(ctx.caller, "Mutation.settleHold");
    return asHoldOutcome(await ctx.services.holds.settleHold(holdKey));
  }

  @Mutation(() => HoldOutcome, { description: "Gives the held credits back to the payer; resolves a hold at most once." })
  @Directive("@inaccessible")
  async releaseHold(@Arg("holdKey", () => String) holdKey: string, @Ctx() ctx: LedgerContext): Promise<HoldOutcome> {
    requireService(ctx.caller, "Mutation.releaseHold");
    return asHoldOutcome(await ctx.services.holds.releaseHold(holdKey));
  }

  @FieldResolver(() => Escrow, {
    nullable: true,
    description: "The credits held for this trade; visible to the paying and receiving users and admins.",
  })
  async escrow(@Root() trade: Trade, @Ctx() ctx: LedgerContext): Promise<Escrow | null> {
    const holds = await ctx.loaders.holdsByTradeId.load(trade.id);
    const caller = ctx.caller;
    if (holds.length === 0 || !caller) return null;
    const privileged = caller.role === "admin" || caller.role === "service";
    if (!privileged && !holds.some((h) => h.payerId === caller.userId || h.payeeId === caller.userId)) return null;
    // An accept that was undone and tried again leaves released holds behind; the escrow is
    // the latest attempt: each payer's newest hold (the loader returns them oldest first).
    const current = [...new Map(holds.map((h) => [h.payerId, h])).values()];
    const statuses = new Set(current.map((h) => h.status));
    const status = statuses.has("HELD") ? EscrowStatus.HELD : statuses.has("SETTLED") ? EscrowStatus.SETTLED : EscrowStatus.RELEASED;
    return { amount: current.reduce((sum, h) => sum + h.amount, 0), status };
  }
}
