import { Arg, Ctx, Directive, ID, Int, Mutation, Query, Resolver } from "type-graphql";
import { badUserInput, isUuid, requireService } from "@localex/common";
import type { ListingsContext } from "../context.ts";
import { ListingDocumentPage, ListingHandOver, ListingReservation, TradeListingInfo } from "./trade-listing.type.ts";

/** Fields other subgraphs call (docs/contracts.md); absent from the public API. */
@Resolver()
export class InternalResolver {
  @Query(() => [TradeListingInfo], { description: "Unknown ids are left out." })
  @Directive("@inaccessible")
  tradeListingInfo(@Arg("ids", () => [ID]) ids: string[], @Ctx() ctx: ListingsContext): Promise<TradeListingInfo[]> {
    requireService(ctx.caller, "Query.tradeListingInfo");
    return ctx.services.tradeListings.info(ids);
  }

  @Query(() => [ID], {
    description: "Of these ids, the listings that exist and are not ACTIVE, which search leaves out while its index catches up. Unknown ids are left out.",
  })
  @Directive("@inaccessible")
  unfindableListingIds(@Arg("ids", () => [ID]) ids: string[], @Ctx() ctx: ListingsContext): Promise<string[]> {
    requireService(ctx.caller, "Query.unfindableListingIds");
    return ctx.services.listings.unfindable(ids);
  }

  @Mutation(() => ListingReservation, {
    description: "All or nothing: every listing ACTIVE (or already RESERVED for this trade) becomes RESERVED for it.",
  })
  @Directive("@inaccessible")
  async reserveListingsForTrade(
    @Arg("tradeId", () => ID) tradeId: string,
    @Arg("listingIds", () => [ID]) listingIds: string[],
    @Ctx() ctx: ListingsContext,
  ): Promise<ListingReservation> {
    requireService(ctx.caller, "Mutation.reserveListingsForTrade");
    const reservation = await ctx.services.tradeListings.reserve(checkTradeId(tradeId), listingIds);
    return { ok: reservation.ok, unavailableListingIds: reservation.ok ? [] : reservation.unavailableListingIds };
  }

  @Mutation(() => Int, { description: "RESERVED for this trade → ACTIVE. How many changed (0 on a replay)." })
  @Directive("@inaccessible")
  releaseListingsForTrade(@Arg("tradeId", () => ID) tradeId: string, @Ctx() ctx: ListingsContext): Promise<number> {
    requireService(ctx.caller, "Mutation.releaseListingsForTrade");
    return ctx.services.tradeListings.release(checkTradeId(tradeId));
  }

  @Mutation(() => Int, { description: "RESERVED for this trade → TRADED. How many changed (0 on a replay)." })
  @Directive("@inaccessible")
  completeListingsForTrade(@Arg("tradeId", () => ID) tradeId: string, @Ctx() ctx: ListingsContext): Promise<number> {
    requireService(ctx.caller, "Mutation.completeListingsForTrade");
    return ctx.services.tradeListings.complete(checkTradeId(tradeId));
  }

  @Mutation(() => ListingHandOver, {
    description:
      "All or nothing: when every listed listing is RESERVED for this trade (or already TRADED for it), the RESERVED ones become TRADED; otherwise nothing changes and the others return.",
  })
  @Directive("@inaccessible")
  async handOverListingsForTrade(
    @Arg("tradeId", () => ID) tradeId: string,
    @Arg("listingIds", () => [ID]) listingIds: string[],
    @Ctx() ctx: ListingsContext,
  ): Promise<ListingHandOver> {
    requireService(ctx.caller, "Mutation.handOverListingsForTrade");
    const handOver = await ctx.services.tradeListings.handOver(checkTradeId(tradeId), listingIds);
    if (!handOver.ok) return { ok: false, completed: 0, unavailableListingIds: handOver.unavailableListingIds };
    return { ok: true, completed: handOver.value, unavailableListingIds: [] };
  }

  @Query(() => ListingDocumentPage, { description: "Every listing in id order, any status, for search's full reindex." })
  @Directive("@inaccessible")
  async listingDocuments(
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Arg("first", () => Int, { nullable: true }) first: number | null,
    @Ctx() ctx: ListingsContext,
  ): Promise<ListingDocumentPage> {
    requireService(ctx.caller, "Query.listingDocuments");
    const page = await ctx.services.documents.page(after ?? null, first ?? null);
    return { documents: page.documents.map((d) => JSON.stringify(d)), nextCursor: page.nextCursor };
  }
}

function checkTradeId(tradeId: string): string {
  if (!isUuid(tradeId)) throw badUserInput("tradeId must be a trade's id.", "tradeId");
  return tradeId;
}
