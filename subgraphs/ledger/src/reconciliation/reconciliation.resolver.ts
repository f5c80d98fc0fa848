import { Ctx, Query, Resolver } from "type-graphql";
import { requireAdmin } from "@localex/common";
import type { LedgerContext } from "../context.ts";
import { ReconciliationReport } from "./reconciliation.type.ts";

@Resolver()
export class ReconciliationResolver {
  @Query(() => ReconciliationReport, { description: "Admins only: recomputes every balance from the postings and compares." })
  ledgerReconciliation(@Ctx() ctx: LedgerContext): Promise<ReconciliationReport> {
    requireAdmin(ctx.caller);
    return ctx.services.reconciliation.reconcile();
  }
}
