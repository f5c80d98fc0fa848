import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from "type-graphql";
import type { SearchContext } from "../context.ts";
import { Listing } from "./listing.type.ts";

@Resolver(() => Listing)
export class SimilarResolver {
  @FieldResolver(() => [Listing], { description: "Findable listings like this one (similar title words or spelling)." })
  async similar(
    @Root() listing: Listing,
    @Ctx() ctx: SearchContext,
    @Arg("first", () => Int, { nullable: true, description: "Default 5, at most 20." }) first?: number | null,
  ): Promise<Listing[]> {
    const n = ctx.services.search.similarCount(first);
    if (n === 0) return [];
    const ids = await ctx.similarLoader(n).load(listing.id);
    return ids.map((id) => ({ id }));
  }
}
