import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { pageSize, requireCaller, toPayload, type Connection } from "@localex/common";
import type { IdentityContext } from "../context.ts";
import type { ReportRow, UserRow } from "../db/schema.ts";
import { currentAdmin } from "../users/current-admin.ts";
import { Listing, Report, ReportAction, ReportConnection, ReportPayload, ReportReason, ReportStatus, User } from "./report.type.ts";
import { MAX_DETAILS, MAX_NOTE } from "./reports.service.ts";

@Resolver(() => Report)
export class ReportsResolver {
  @Mutation(() => ReportPayload, {
    description: `Reports a listing to the admins (not your own). \`details\`: up to ${MAX_DETAILS} characters, required for OTHER. One open report per listing and reporter; limited per member (RATE_LIMITED).`,
  })
  async reportListing(
    @Arg("listingId", () => ID) listingId: string,
    @Arg("reason", () => ReportReason) reason: `${ReportReason}`,
    @Arg("details", () => String, { nullable: true }) details: string | null,
    @Ctx() ctx: IdentityContext,
  ): Promise<ReportPayload> {
    const caller = requireCaller(ctx.caller);
    return toPayload(await ctx.services.reports.report(caller.userId, { listingId }, reason, details), "report");
  }

  @Mutation(() => ReportPayload, {
    description: `Reports a member to the admins (not yourself). \`details\`: up to ${MAX_DETAILS} characters, required for OTHER. One open report per member and reporter; limited per member (RATE_LIMITED).`,
  })
  async reportMember(
    @Arg("userId", () => ID) userId: string,
    @Arg("reason", () => ReportReason) reason: `${ReportReason}`,
    @Arg("details", () => String, { nullable: true }) details: string | null,
    @Ctx() ctx: IdentityContext,
  ): Promise<ReportPayload> {
    const caller = requireCaller(ctx.caller);
    return toPayload(await ctx.services.reports.report(caller.userId, { userId }, reason, details), "report");
  }

  @Query(() => ReportConnection, { description: "Admins only: reports in a status (OPEN when not given), oldest first." })
  async reports(
    @Arg("status", () => ReportStatus, { nullable: true }) status: ReportStatus | null,
    @Arg("first", () => Int, { nullable: true }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: IdentityContext,
  ): Promise<Connection<ReportRow>> {
    await currentAdmin(ctx);
    return ctx.services.reports.page(status ?? ReportStatus.OPEN, pageSize(first), after ?? null);
  }

  @Mutation(() => ReportPayload, {
    description: `Admins only: resolves an OPEN report once, with a note (1 to ${MAX_NOTE} characters; the reason of a suspension it makes). The reporter is told the outcome, never who decided.`,
  })
  async resolveReport(
    @Arg("id", () => ID) id: string,
    @Arg("action", () => ReportAction) action: `${ReportAction}`,
    @Arg("note", () => String) note: string,
    @Ctx() ctx: IdentityContext,
  ): Promise<ReportPayload> {
    const admin = await currentAdmin(ctx);
    return toPayload(await ctx.services.reports.resolve(admin.userId, id, action, note), "report");
  }

  @FieldResolver(() => User, { nullable: true, description: "Who reported it." })
  reporter(@Root() report: ReportRow, @Ctx() ctx: IdentityContext): Promise<UserRow | null> {
    return ctx.loaders.userById.load(report.reporterId);
  }

  @FieldResolver(() => Listing, { nullable: true, description: "The listing reported (subject LISTING); null for a member's report." })
  listing(@Root() report: ReportRow): Listing | null {
    return report.subject === "LISTING" ? { id: report.targetId } : null;
  }

  @FieldResolver(() => User, { nullable: true, description: "The member reported, or the owner of the listing reported: whom SUSPEND_MEMBER suspends." })
  member(@Root() report: ReportRow, @Ctx() ctx: IdentityContext): Promise<UserRow | null> {
    return ctx.loaders.userById.load(report.memberId);
  }

  @FieldResolver(() => String, { nullable: true, description: "The admin's note when resolving it: admins only (null for the reporter)." })
  async note(@Root() report: ReportRow, @Ctx() ctx: IdentityContext): Promise<string | null> {
    if (ctx.caller?.role !== "admin") return null;
    return (await ctx.loaders.userById.load(ctx.caller.userId))?.role === "admin" ? report.note : null;
  }
}
