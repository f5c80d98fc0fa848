import { Ctx, Query, Resolver } from "type-graphql";
import { requireCurrentAdmin } from "@localex/common";
import type { LedgerContext } from "../context.ts";
import { ReconciliationReport } from "./reconciliation.type.ts";

@Resolver()
export class ReconciliationResolver {
  @Query(() => ReconciliationReport, { description: "Admins only: recomputes every balance from the postings and compares." })
  async ledgerReconciliation(@Ctx() ctx: LedgerContext): Promise<ReconciliationReport> {
    // Every member's balance: as sensitive as minting, so the stored role is asked too.
    await requireCurrentAdmin(ctx.services.internal, ctx.caller);
    return ctx.services.reconciliation.reconcile();
  }
}
