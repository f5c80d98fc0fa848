import { Arg, Ctx, Directive, ID, Int, Mutation, Query, Resolver } from "type-graphql";
import { encodeSection, memberIdArgument, requireService } from "@localex/common";
import type { ListingsContext } from "../context.ts";

/** Fields other subgraphs call about one member (docs/contracts.md); absent from the public API. */
@Resolver()
export class MemberListingsResolver {
  @Query(() => String, { description: "The member's section of their data export, as JSON." })
  @Directive("@inaccessible")
  async exportListingRecords(@Arg("userId", () => ID) userId: string, @Ctx() ctx: ListingsContext): Promise<string> {
    requireService(ctx.caller, "Query.exportListingRecords");
    return encodeSection(await ctx.services.members.exportSection(memberIdArgument(userId)));
  }

  @Mutation(() => Int, { description: "A departing member's DRAFT and ACTIVE listings → ARCHIVED; how many (0 on a replay)." })
  @Directive("@inaccessible")
  withdrawMemberListings(@Arg("userId", () => ID) userId: string, @Ctx() ctx: ListingsContext): Promise<number> {
    requireService(ctx.caller, "Mutation.withdrawMemberListings");
    return ctx.services.members.withdrawAll(memberIdArgument(userId));
  }
}
