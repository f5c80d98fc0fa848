import { Arg, Ctx, Directive, ID, Int, Mutation, Query, Resolver } from "type-graphql";
import { encodeSection, memberIdArgument, requireService } from "@localex/common";
import type { TradesContext } from "../context.ts";

/** Fields other subgraphs call about one member (docs/contracts.md); absent from the public API. */
@Resolver()
export class DeparturesResolver {
  @Mutation(() => [ID], {
    description:
      "A member asking to leave: marks them departing (no trade can start with them from now on) and answers [], or, while a trade of theirs is ACCEPTED, DISPUTED or mid-step, marks nothing and answers those trades. [] on a replay.",
  })
  @Directive("@inaccessible")
  async beginMemberDeparture(@Arg("userId", () => ID) userId: string, @Ctx() ctx: TradesContext): Promise<string[]> {
    requireService(ctx.caller, "Mutation.beginMemberDeparture");
    return (await ctx.services.departures.begin(memberIdArgument(userId))).map((b) => b.id);
  }

  @Mutation(() => Boolean, { description: "Takes a departure mark back (identity could not record the deletion); true when there was one." })
  @Directive("@inaccessible")
  abandonMemberDeparture(@Arg("userId", () => ID) userId: string, @Ctx() ctx: TradesContext): Promise<boolean> {
    requireService(ctx.caller, "Mutation.abandonMemberDeparture");
    return ctx.services.departures.abandon(memberIdArgument(userId));
  }

  @Mutation(() => Int, {
    description: "A departing member's PROPOSED and COUNTERED trades → CANCELLED, oldest first (marking them departing first); how many (0 on a replay).",
  })
  @Directive("@inaccessible")
  closeMemberTrades(@Arg("userId", () => ID) userId: string, @Ctx() ctx: TradesContext): Promise<number> {
    requireService(ctx.caller, "Mutation.closeMemberTrades");
    return ctx.services.departures.closeAll(memberIdArgument(userId));
  }

  @Query(() => String, { description: "The member's section of their data export, as JSON." })
  @Directive("@inaccessible")
  async exportTradeRecords(@Arg("userId", () => ID) userId: string, @Ctx() ctx: TradesContext): Promise<string> {
    requireService(ctx.caller, "Query.exportTradeRecords");
    return encodeSection(await ctx.services.departures.exportSection(memberIdArgument(userId)));
  }
}
