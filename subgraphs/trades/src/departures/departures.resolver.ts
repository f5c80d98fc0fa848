import { Arg, Ctx, Directive, ID, Int, Mutation, Query, Resolver } from "type-graphql";
import { encodeSection, memberIdArgument, requireService } from "@localex/common";
import type { TradesContext } from "../context.ts";

/** Fields other subgraphs call about one member (docs/contracts.md); absent from the public API. */
@Resolver()
export class DeparturesResolver {
  @Query(() => [ID], { description: "The member's trades that must finish before they can leave (ACCEPTED, DISPUTED, or mid-step)." })
  @Directive("@inaccessible")
  async departureBlockers(@Arg("userId", () => ID) userId: string, @Ctx() ctx: TradesContext): Promise<string[]> {
    requireService(ctx.caller, "Query.departureBlockers");
    return (await ctx.services.departures.blockers(memberIdArgument(userId))).map((b) => b.id);
  }

  @Mutation(() => Int, { description: "A departing member's PROPOSED and COUNTERED trades → CANCELLED; how many (0 on a replay)." })
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
