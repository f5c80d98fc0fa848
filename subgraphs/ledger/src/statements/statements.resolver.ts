import { Arg, Ctx, Directive, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { badInput, decodeCursor, memberIdArgument, requireCaller, requireService, toPayload } from "@localex/common";
import type { LedgerContext } from "../context.ts";
import { entryFilter } from "../entries/entry-filter.ts";
import { LedgerTotals } from "../entries/ledger-entry.type.ts";
import { LedgerStatementPage, RequestStatementPayload } from "./statement.types.ts";
import { MAX_STATEMENT_PAGE_SIZE, STATEMENT_PAGE_SIZE } from "./statements.service.ts";

@Resolver(() => LedgerStatementPage)
export class StatementsResolver {
  @Mutation(() => RequestStatementPayload, {
    description:
      "Your statement for a range (`from` inclusive, `to` exclusive; a range reaching past now ends now) and, optionally, kinds, as a CSV written by a job: follow it with jobUpdated, then download it from Job.downloadUrl (yours alone, for a few minutes at a time). Refused as data: INVALID_INPUT (field `to`: the range ends before it begins; `kinds`: an unknown kind), MEMBER_DEPARTING. RATE_LIMITED past STATEMENT_PER_ACCOUNT.",
  })
  async requestStatement(
    @Arg("from", () => Date, { nullable: true, description: "Entries created at or after this instant; from the first without it." }) from: Date | null,
    @Arg("to", () => Date, { nullable: true, description: "Entries created before this instant; up to now without it." }) to: Date | null,
    @Arg("kinds", () => [String], { nullable: true, description: "Only these kinds: transfer, grant, welcome, escrow." }) kinds: string[] | null,
    @Ctx() ctx: LedgerContext,
  ): Promise<RequestStatementPayload> {
    const caller = requireCaller(ctx.caller);
    return toPayload(await ctx.services.statements.request(caller.userId, { from: from ?? null, to: to ?? null, kinds: kinds ?? null }), "job");
  }

  @Query(() => LedgerStatementPage, { description: "media's statement job: a page of the member's entries the filter selects, oldest first." })
  @Directive("@inaccessible")
  async ledgerStatement(
    @Arg("userId", () => ID) userId: string,
    @Arg("from", () => Date, { nullable: true }) from: Date | null,
    @Arg("to", () => Date, { nullable: true }) to: Date | null,
    @Arg("kinds", () => [String], { nullable: true }) kinds: string[] | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Arg("first", () => Int, { nullable: true }) first: number | null,
    @Ctx() ctx: LedgerContext,
  ): Promise<LedgerStatementPage> {
    requireService(ctx.caller, "Query.ledgerStatement");
    const filter = entryFilter(from, to, kinds);
    const size = first ?? STATEMENT_PAGE_SIZE;
    if (!Number.isSafeInteger(size) || size < 1 || size > MAX_STATEMENT_PAGE_SIZE)
      throw badInput(`\`first\` must be 1 to ${MAX_STATEMENT_PAGE_SIZE}.`, "first");
    const cursor = decodeCursor(after, 1);
    const afterSeq = cursor ? Number(cursor[0]) : null;
    if (afterSeq !== null && !Number.isSafeInteger(afterSeq)) throw badInput("`after` is not a cursor from this list.", "after");
    return ctx.services.statements.page(memberIdArgument(userId), filter, afterSeq, size);
  }

  @FieldResolver(() => LedgerTotals, { description: "What every entry the filter selects adds up to (ledgerEntries' totals)." })
  totals(@Root() page: LedgerStatementPage, @Ctx() ctx: LedgerContext): Promise<LedgerTotals> {
    return ctx.services.entries.totals(page.statementOf.accountId, page.statementOf.filter);
  }
}
