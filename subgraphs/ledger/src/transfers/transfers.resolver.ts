import { Arg, Ctx, ID, Int, Mutation, Resolver } from "type-graphql";
import { accepted, activeMemberRefusal, requireCurrentAdmin, toPayload } from "@localex/common";
import type { LedgerContext } from "../context.ts";
import { Transfer, TransferInput, TransferPayload } from "./transfer.type.ts";
import type { TransferRecord, TransferResult } from "./transfers.service.ts";

@Resolver(() => Transfer)
export class TransfersResolver {
  @Mutation(() => TransferPayload, {
    description: "Sends credits to another member. The same idempotencyKey with the same input moves them only once.",
  })
  async transferCredits(
    @Arg("input", () => TransferInput) input: TransferInput,
    @Arg("idempotencyKey", () => String) idempotencyKey: string,
    @Ctx() ctx: LedgerContext,
  ): Promise<TransferPayload> {
    const caller = await ctx.services.limits.signedIn("MONEY_PER_ACCOUNT", ctx.caller);
    // A suspended member sends no credits (the token carries the suspension).
    return transferPayload(activeMemberRefusal(caller) ?? (await ctx.services.transfers.transferCredits(caller.userId, input, idempotencyKey)));
  }

  @Mutation(() => TransferPayload, { description: "Admins only: issues new credits to a member." })
  async grantCredits(
    @Arg("userId", () => ID) userId: string,
    @Arg("amount", () => Int) amount: number,
    @Arg("memo", () => String) memo: string,
    @Arg("idempotencyKey", () => String) idempotencyKey: string,
    @Ctx() ctx: LedgerContext,
  ): Promise<TransferPayload> {
    // Minting must not outlive the role: the stored role is asked, not only the token's claim.
    const admin = await requireCurrentAdmin(ctx.services.internal, ctx.caller);
    return transferPayload(await ctx.services.transfers.grantCredits(admin.userId, userId, amount, memo, idempotencyKey));
  }
}

function transferPayload(result: TransferResult): TransferPayload {
  return toPayload(result.ok ? accepted(asTransfer(result.value)) : result, "transfer");
}

function asTransfer(t: TransferRecord): Transfer {
  return {
    id: t.id,
    kind: t.kind,
    amount: t.amount,
    memo: t.memo,
    from: t.fromUserId ? { id: t.fromUserId } : null,
    to: { id: t.toUserId },
    createdAt: new Date(t.createdAt),
  };
}
