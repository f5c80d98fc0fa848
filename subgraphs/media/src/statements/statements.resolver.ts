import { Arg, Ctx, Directive, ID, Mutation, Resolver } from "type-graphql";
import { memberIdArgument, requireService } from "@localex/common";
import type { MediaContext } from "../context.ts";

/** The ledger's requestStatement starts its CSV here (docs/contracts.md); absent from the public API. */
@Resolver()
export class StatementsResolver {
  @Mutation(() => ID, { description: "ledger's requestStatement: a new statement job for the member over the range; its id." })
  @Directive("@inaccessible")
  async startLedgerStatement(
    @Arg("userId", () => ID) userId: string,
    @Arg("from", () => Date, { nullable: true }) from: Date | null,
    @Arg("to", () => Date) to: Date,
    @Arg("kinds", () => [String], { nullable: true }) kinds: string[] | null,
    @Ctx() ctx: MediaContext,
  ): Promise<string> {
    requireService(ctx.caller, "Mutation.startLedgerStatement");
    const input = { from: from?.toISOString() ?? null, to: to.toISOString(), kinds: kinds ?? null };
    return (await ctx.services.statements.start(memberIdArgument(userId), input)).id;
  }
}
