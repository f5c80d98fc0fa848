import { Arg, Ctx, Directive, ID, Mutation, Query, Resolver } from "type-graphql";
import { encodeSection, forbidden, memberIdArgument, requireCaller, requireService, unavailable } from "@localex/common";
import type { IdentityContext } from "../context.ts";
import { Job } from "./federated.types.ts";
import { identitySection } from "./member-records.ts";

@Resolver()
export class PrivacyResolver {
  @Mutation(() => Job, {
    description:
      "Gathers everything LocalEx holds about you, from every part of the graph, into one archive (zip: data.json and a README of its fields). Follow the job with `jobUpdated`; when it SUCCEEDED, `downloadUrl` (yours alone) fetches it, and you are notified (DATA_EXPORT_READY).",
  })
  async requestDataExport(@Ctx() ctx: IdentityContext): Promise<Job> {
    const caller = requireCaller(ctx.caller);
    await ctx.services.limits.consume("DATA_EXPORT_PER_ACCOUNT", caller.userId);
    const user = await ctx.loaders.userById.load(caller.userId);
    if (!user || user.deletionRequestedAt) throw forbidden("Your account is being deleted.");
    const { startDataExport } = await ctx.services.internal
      .request<{ startDataExport: string }>("media", `mutation ($userId: ID!) { startDataExport(userId: $userId) }`, { userId: caller.userId })
      .catch((e: unknown) => Promise.reject(unavailable("media", e)));
    return { id: startDataExport };
  }

  @Mutation(() => Boolean, {
    description:
      "Deletes your account, with your password. Refused (MEMBER_HAS_ACTIVE_TRADES, naming them) while credits are held in escrow for an ACCEPTED or DISPUTED trade; WRONG_PASSWORD otherwise refused. Once accepted you are signed out everywhere at once; in the background your open trades are cancelled, your listings archived and removed from search, your files deleted and your profile anonymised. Postings stay on the ledger under the anonymised member; trades others had with you show a deleted member. True, also when already under way.",
  })
  deleteMyAccount(@Arg("password", () => String) password: string, @Ctx() ctx: IdentityContext): Promise<boolean> {
    const caller = requireCaller(ctx.caller);
    return ctx.services.deletion.request(caller.userId, password);
  }

  @Query(() => String, { description: "The member's section of their data export, as JSON." })
  @Directive("@inaccessible")
  async exportIdentityRecords(@Arg("userId", () => ID) userId: string, @Ctx() ctx: IdentityContext): Promise<string> {
    requireService(ctx.caller, "Query.exportIdentityRecords");
    return encodeSection(await identitySection(ctx.services.db, memberIdArgument(userId)));
  }
}
