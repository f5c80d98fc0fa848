import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from "type-graphql";
import { pageSize, toConnection, type Connection } from "@localex/common";
import { Category } from "../categories/category.type.ts";
import type { ListingsContext } from "../context.ts";
import { ListingFilter } from "./listing.inputs.ts";
import { GeoPoint, Listing, ListingAttribute, ListingConnection, User } from "./listing.type.ts";
import { canSee, cursorKey } from "./listings.service.ts";
import { APPROXIMATE_ACCURACY_METRES, approximateLocation } from "./approximate-location.ts";

const isOwner = (listing: Listing, ctx: ListingsContext) => ctx.caller !== null && ctx.caller.userId === listing.ownerId;

@Resolver(() => Listing)
export class ListingsResolver {
  @Query(() => Listing, { nullable: true, description: "A listing by id; a draft only for its owner." })
  async listing(@Arg("id", () => ID) id: string, @Ctx() ctx: ListingsContext): Promise<Listing | null> {
    const row = await ctx.loaders.listingById.load(id);
    return row && canSee(row, ctx.caller) ? row : null;
  }

  @Query(() => ListingConnection, { description: "Newest first. Others' listings only when ACTIVE; your own in any status." })
  async listings(
    @Arg("filter", () => ListingFilter, { nullable: true }) filter: ListingFilter | null,
    @Arg("first", () => Int, { nullable: true, description: "At most 100; 20 if not given." }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: ListingsContext,
  ): Promise<Connection<Listing>> {
    const size = pageSize(first);
    const page = await ctx.services.listings.list(filter ?? {}, size, after ?? null, ctx.caller);
    for (const row of page.rows) ctx.loaders.listingById.prime(row.id, row);
    return toConnection(page.rows, size, cursorKey, page.totalCount, after != null);
  }

  @FieldResolver(() => Category)
  async category(@Root() listing: Listing, @Ctx() ctx: ListingsContext): Promise<Category> {
    const category = await ctx.loaders.categoryById.load(listing.categoryId);
    if (!category) throw new Error(`listing ${listing.id} has no category ${listing.categoryId}`);
    return category;
  }

  @FieldResolver(() => GeoPoint, {
    nullable: true,
    description:
      "Where the item can be picked up. Exact for its owner; for everyone else the centre of a 500 m grid cell that holds it " +
      "(within `locationAccuracyMeters`), the same on every read. Search's distance filter uses the exact point.",
  })
  location(@Root() listing: Listing, @Ctx() ctx: ListingsContext): GeoPoint | null {
    if (listing.lat == null || listing.lon == null) return null;
    const exact = { lat: listing.lat, lon: listing.lon };
    return isOwner(listing, ctx) ? exact : approximateLocation(listing.id, exact);
  }

  @FieldResolver(() => Int, {
    nullable: true,
    description: "How far (in metres) the real place may be from `location`: null when you own the listing (exact) or it has no location.",
  })
  locationAccuracyMeters(@Root() listing: Listing, @Ctx() ctx: ListingsContext): number | null {
    if (listing.lat == null || listing.lon == null || isOwner(listing, ctx)) return null;
    return APPROXIMATE_ACCURACY_METRES;
  }

  @FieldResolver(() => [ListingAttribute], { description: "Details the category allows, by key." })
  attributes(@Root() listing: Listing): ListingAttribute[] {
    return Object.entries(listing.attributes)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, value]) => ({ key, value }));
  }

  @FieldResolver(() => User, {
    nullable: true,
    description:
      "Who listed it. Null only while the identity service cannot be reached (the error says SUBGRAPH_UNAVAILABLE or SUBGRAPH_TIMEOUT: retry), so the rest of the answer still arrives.",
  })
  owner(@Root() listing: Listing): User {
    return { id: listing.ownerId };
  }
}
