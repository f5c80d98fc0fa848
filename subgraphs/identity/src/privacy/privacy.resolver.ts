import { Arg, Ctx, Directive, ID, Mutation, Query, Resolver } from "type-graphql";
import { encodeSection, memberIdArgument, requireCaller, requireService, toPayload } from "@localex/common";
import type { IdentityContext } from "../context.ts";
import { startDataExport } from "./data-export.ts";
import { DeleteMyAccountPayload, RequestDataExportPayload } from "./privacy.types.ts";
import { identitySection } from "./member-records.ts";

@Resolver()
export class PrivacyResolver {
  @Mutation(() => RequestDataExportPayload, {
    description:
      "Gathers everything LocalEx holds about you, from every part of the graph, into one archive (zip: data.json and a README of its fields). Follow the job with `jobUpdated`; when it SUCCEEDED, `downloadUrl` (yours alone) fetches it, and you are notified (DATA_EXPORT_READY). Refused as data while your account is being deleted (MEMBER_DEPARTING).",
  })
  async requestDataExport(@Ctx() ctx: IdentityContext): Promise<RequestDataExportPayload> {
    const caller = requireCaller(ctx.caller);
    await ctx.services.limits.consume("DATA_EXPORT_PER_ACCOUNT", caller.userId);
    return toPayload(await startDataExport(ctx.services.internal, await ctx.loaders.userById.load(caller.userId)), "job");
  }

  @Mutation(() => DeleteMyAccountPayload, {
    description:
      "Deletes your account, with your password. Refused as data: MEMBER_HAS_ACTIVE_TRADES (naming them in `activeTradeIds`) while credits are held in escrow for an ACCEPTED or DISPUTED trade (or one is mid-step); WRONG_PASSWORD. Once accepted you are signed out everywhere at once and nobody can start a trade with you (MEMBER_DEPARTING); in the background your open trades are cancelled, your listings archived and removed from search, your files deleted and your profile anonymised. Postings stay on the ledger under the anonymised member; trades others had with you show a deleted member. `accepted` is true, also when the deletion was already under way.",
  })
  async deleteMyAccount(@Arg("password", () => String) password: string, @Ctx() ctx: IdentityContext): Promise<DeleteMyAccountPayload> {
    const caller = requireCaller(ctx.caller);
    const deletion = await ctx.services.deletion.request(caller.userId, password);
    // Both non-null: false when refused, and the trades in the way that the refusal names.
    return { ...toPayload(deletion, "accepted"), accepted: deletion.ok, activeTradeIds: deletion.ok ? [] : deletion.activeTradeIds };
  }

  @Query(() => String, { description: "The member's section of their data export, as JSON." })
  @Directive("@inaccessible")
  async exportIdentityRecords(@Arg("userId", () => ID) userId: string, @Ctx() ctx: IdentityContext): Promise<string> {
    requireService(ctx.caller, "Query.exportIdentityRecords");
    return encodeSection(await identitySection(ctx.services.db, memberIdArgument(userId)));
  }
}
