import { Arg, Ctx, Int, Query, Resolver } from "type-graphql";
import { badInput, decodeCursor, pageSize, requireCaller, toConnection } from "@localex/common";
import type { LedgerContext } from "../context.ts";
import { LedgerEntryConnection } from "./ledger-entry.type.ts";

@Resolver()
export class EntriesResolver {
  @Query(() => LedgerEntryConnection, { description: "The signed-in member's ledger entries, newest first." })
  async ledgerEntries(
    @Arg("first", () => Int, { nullable: true }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: LedgerContext,
  ): Promise<LedgerEntryConnection> {
    const caller = requireCaller(ctx.caller);
    const size = pageSize(first);
    const cursor = decodeCursor(after, 1);
    const before = cursor ? Number(cursor[0]) : null;
    if (before !== null && !Number.isSafeInteger(before)) throw badInput("`after` is not a cursor from this list.", "after");
    const page = await ctx.services.entries.page(caller.userId, size + 1, before);
    return toConnection(page.rows, size, (row) => [row.seq], page.totalCount, before !== null);
  }
}
