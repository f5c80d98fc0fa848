import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root } from "type-graphql";
import { badInput, decodeCursor, pageSize, requireCaller, toConnection } from "@localex/common";
import type { LedgerContext } from "../context.ts";
import { entryFilter } from "./entry-filter.ts";
import { LedgerEntryConnection, LedgerTotals } from "./ledger-entry.type.ts";

@Resolver(() => LedgerEntryConnection)
export class EntriesResolver {
  @Query(() => LedgerEntryConnection, {
    description:
      "The signed-in member's ledger entries, newest first; for a statement, filtered by time (`from` inclusive, `to` exclusive) and kind, with `totals`.",
  })
  async ledgerEntries(
    @Arg("first", () => Int, { nullable: true }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Arg("from", () => Date, { nullable: true, description: "Entries created at or after this instant." }) from: Date | null,
    @Arg("to", () => Date, { nullable: true, description: "Entries created before this instant." }) to: Date | null,
    @Arg("kinds", () => [String], { nullable: true, description: "Only these kinds: transfer, grant, welcome, escrow." }) kinds: string[] | null,
    @Ctx() ctx: LedgerContext,
  ): Promise<LedgerEntryConnection> {
    const caller = requireCaller(ctx.caller);
    const size = pageSize(first);
    const filter = entryFilter(from, to, kinds);
    const cursor = decodeCursor(after, 1);
    const before = cursor ? Number(cursor[0]) : null;
    if (before !== null && !Number.isSafeInteger(before)) throw badInput("`after` is not a cursor from this list.", "after");
    const page = await ctx.services.entries.page(caller.userId, size + 1, before, filter);
    return { ...toConnection(page.rows, size, (row) => [row.seq], page.totalCount, before !== null), statementOf: { accountId: caller.userId, filter } };
  }

  @FieldResolver(() => LedgerTotals, { description: "What every entry the filter selects adds up to, with the balance at each end of the range." })
  totals(@Root() connection: LedgerEntryConnection, @Ctx() ctx: LedgerContext): Promise<LedgerTotals> {
    const { accountId, filter } = connection.statementOf!;
    return ctx.services.entries.totals(accountId, filter);
  }
}
