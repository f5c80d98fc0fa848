import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from "type-graphql";
import { pageSize, toConnection, type Connection } from "@localex/common";
import type { ListingsContext } from "../context.ts";
import { Listing, ListingConnection, ListingStatus, User } from "../listings/listing.type.ts";
import { cursorKey } from "../listings/listings.service.ts";

@Resolver(() => User)
export class UserListingsResolver {
  @FieldResolver(() => ListingConnection, {
    nullable: true,
    description:
      "Newest first. Someone else's only when ACTIVE; your own in any status (all if none is given). Null only while the listings service cannot be reached (the error says SUBGRAPH_UNAVAILABLE or SUBGRAPH_TIMEOUT: retry), so the rest of the answer still arrives.",
  })
  async listings(
    @Root() user: User,
    @Arg("status", () => ListingStatus, { nullable: true }) status: ListingStatus | null,
    @Arg("first", () => Int, { nullable: true, description: "At most 100; 20 if not given." }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: ListingsContext,
  ): Promise<Connection<Listing>> {
    const size = pageSize(first);
    const page = await ctx.loaders.ownerPage.load({ ownerId: user.id, status: status ?? null, first: size, after: after ?? null });
    return toConnection(page.rows, size, cursorKey, page.totalCount, after != null);
  }
}
