import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from "type-graphql";
import { andThen, auditReason, requireAdmin, requireCaller, toPayload } from "@localex/common";
import type { ListingsContext } from "../context.ts";
import { Listing, ListingPayload } from "../listings/listing.type.ts";
import { RecallMatch, RecallRefreshPayload } from "./recall.type.ts";

@Resolver(() => Listing)
export class RecallsResolver {
  @FieldResolver(() => [RecallMatch], {
    nullable: true,
    description:
      "Product recalls the title or attributes matched, open and resolved; an OPEN one keeps the listing from being published. " +
      "Only its owner and admins see them (null for everyone else).",
  })
  async recallMatches(@Root() listing: Listing, @Ctx() ctx: ListingsContext): Promise<RecallMatch[] | null> {
    const caller = ctx.caller;
    if (!caller || (caller.userId !== listing.ownerId && caller.role !== "admin")) return null;
    const rows = await ctx.loaders.recallMatchesByListing.load(listing.id);
    return rows.map((m) => ({
      recallNumber: m.recallNumber,
      title: m.title,
      url: m.url,
      date: m.recallDate,
      matchedOn: m.matchedOn,
      status: m.status,
      resolvedAt: m.resolvedAt,
    }));
  }

  @Mutation(() => ListingPayload, {
    description: "The listing's owner confirms it is not the recalled product: the match is resolved, and once none is open the listing can be published.",
  })
  async confirmNotRecalled(
    @Arg("listingId", () => ID) listingId: string,
    @Arg("recallNumber", () => String) recallNumber: string,
    @Ctx() ctx: ListingsContext,
  ): Promise<ListingPayload> {
    const outcome = await ctx.services.recalls.resolve(requireCaller(ctx.caller), listingId, recallNumber, "CONFIRMED");
    ctx.loaders.recallMatchesByListing.clear(listingId);
    return toPayload(outcome, "listing");
  }

  @Mutation(() => ListingPayload, { description: "Admins only: clears a listing's recall match (it is not the recalled product)." })
  async clearRecallMatch(
    @Arg("listingId", () => ID) listingId: string,
    @Arg("recallNumber", () => String) recallNumber: string,
    @Arg("reason", () => String, {
      nullable: true,
      description: "Why (1 to 1000 characters), kept in the admin audit log; the owner sees it in their data export.",
    })
    reason: string | null,
    @Ctx() ctx: ListingsContext,
  ): Promise<ListingPayload> {
    const admin = requireAdmin(ctx.caller);
    const outcome = await andThen(auditReason(reason), (why) => ctx.services.recalls.resolve(admin, listingId, recallNumber, "CLEARED", why));
    ctx.loaders.recallMatchesByListing.clear(listingId);
    return toPayload(outcome, "listing");
  }

  @Mutation(() => RecallRefreshPayload, {
    description: "Admins only: fetches the recalls from the source now, as the scheduled refresh does. A failure keeps the recalls last fetched.",
  })
  async refreshRecalls(@Ctx() ctx: ListingsContext): Promise<RecallRefreshPayload> {
    requireAdmin(ctx.caller);
    return ctx.services.recalls.refresh();
  }
}
