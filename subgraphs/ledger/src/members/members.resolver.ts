import { Arg, Ctx, Directive, ID, Mutation, Query, Resolver } from "type-graphql";
import { encodeSection, memberIdArgument, requireService } from "@localex/common";
import type { LedgerContext } from "../context.ts";

/** Fields other subgraphs call about one member (docs/contracts.md); absent from the public API. */
@Resolver()
export class MemberLedgerResolver {
  @Query(() => String, { description: "The member's section of their data export, as JSON." })
  @Directive("@inaccessible")
  async exportLedgerRecords(@Arg("userId", () => ID) userId: string, @Ctx() ctx: LedgerContext): Promise<string> {
    requireService(ctx.caller, "Query.exportLedgerRecords");
    return encodeSection(await ctx.services.members.exportSection(memberIdArgument(userId)));
  }

  @Mutation(() => Boolean, { description: "A departing member's account takes no more credits; true (also on a replay)." })
  @Directive("@inaccessible")
  async closeMemberAccount(@Arg("userId", () => ID) userId: string, @Ctx() ctx: LedgerContext): Promise<boolean> {
    requireService(ctx.caller, "Mutation.closeMemberAccount");
    await ctx.services.members.close(memberIdArgument(userId));
    return true;
  }
}
