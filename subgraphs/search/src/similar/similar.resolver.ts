import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from "type-graphql";
import type { SearchContext } from "../context.ts";
import { Listing } from "./listing.type.ts";

@Resolver(() => Listing)
export class SimilarResolver {
  // Nullable: while search is down, a page of listings still arrives, with `similar` null and a
  // retryable error, instead of the whole page nulled.
  @FieldResolver(() => [Listing], {
    nullable: true,
    description: "Findable listings like this one (similar title words or spelling). Null, with an error, while search is unavailable.",
  })
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
