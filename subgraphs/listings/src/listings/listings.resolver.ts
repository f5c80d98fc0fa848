import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from "type-graphql";
import { pageSize, toConnection, type Connection } from "@localex/common";
import { Category } from "../categories/category.type.ts";
import type { ListingsContext } from "../context.ts";
import { ListingFilter } from "./listing.inputs.ts";
import { GeoPoint, Listing, ListingAttribute, ListingConnection, User } from "./listing.type.ts";
import { canSee, cursorKey } from "./listings.service.ts";

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

  @FieldResolver(() => GeoPoint, { nullable: true, description: "Where the item can be picked up." })
  location(@Root() listing: Listing): GeoPoint | null {
    return listing.lat != null && listing.lon != null ? { lat: listing.lat, lon: listing.lon } : null;
  }

  @FieldResolver(() => [ListingAttribute], { description: "Details the category allows, by key." })
  attributes(@Root() listing: Listing): ListingAttribute[] {
    return Object.entries(listing.attributes)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, value]) => ({ key, value }));
  }

  @FieldResolver(() => User)
  owner(@Root() listing: Listing): User {
    return { id: listing.ownerId };
  }
}
