import { Arg, Ctx, Directive, ID, Int, Mutation, Query, Resolver } from "type-graphql";
import { checkListSize, memberIdArgument, requireService } from "@localex/common";
import type { MediaContext } from "../context.ts";

/** Fields identity calls about one member's files (docs/contracts.md); absent from the public API. */
@Resolver()
export class MemberMediaResolver {
  @Query(() => [ID], { description: "The ids among `ids` that are the member's READY private documents." })
  @Directive("@inaccessible")
  verificationDocuments(@Arg("userId", () => ID) userId: string, @Arg("ids", () => [ID]) ids: string[], @Ctx() ctx: MediaContext): Promise<string[]> {
    requireService(ctx.caller, "Query.verificationDocuments");
    checkListSize(ids, "ids", 10);
    return ctx.services.members.readyDocuments(memberIdArgument(userId), ids);
  }

  @Mutation(() => Int, { description: "Deletes every file and export of the member, rows and bytes; how many files (0 on a replay)." })
  @Directive("@inaccessible")
  forgetMemberMedia(@Arg("userId", () => ID) userId: string, @Ctx() ctx: MediaContext): Promise<number> {
    requireService(ctx.caller, "Mutation.forgetMemberMedia");
    return ctx.services.members.forgetMember(memberIdArgument(userId));
  }
}
