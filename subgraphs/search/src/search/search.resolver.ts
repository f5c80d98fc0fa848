import type { GraphQLResolveInfo } from "graphql";
import { Args, Ctx, Info, Query, Resolver } from "type-graphql";
import type { SearchContext } from "../context.ts";
import { SearchArgsType, SearchConnection, SuggestArgs } from "./search.type.ts";
import { selectedSimilarCounts } from "./selected-similar.ts";

@Resolver()
export class SearchResolver {
  @Query(() => SearchConnection, {
    description: "Findable (ACTIVE) listings matching the words, filter and sort, with facets over the whole match.",
  })
  async search(@Args(() => SearchArgsType) args: SearchArgsType, @Ctx() ctx: SearchContext, @Info() info: GraphQLResolveInfo): Promise<SearchConnection> {
    await ctx.services.limits.consume("SEARCH_PER_CLIENT", ctx.client);
    const { page, similar } = await ctx.services.search.search(args, selectedSimilarCounts(info));
    // The hits' similar listings, found with the page: `similar` reads them from its loader.
    for (const [first, lists] of similar) {
      const loader = ctx.similarLoader(first);
      for (const [id, neighbours] of lists) loader.prime(id, neighbours);
    }
    return page;
  }

  @Query(() => [String], { description: "Titles of findable listings for type-ahead: those starting with the prefix first." })
  async suggest(@Args(() => SuggestArgs) args: SuggestArgs, @Ctx() ctx: SearchContext): Promise<string[]> {
    await ctx.services.limits.consume("SEARCH_PER_CLIENT", ctx.client);
    return ctx.services.search.suggest(args.prefix, args.limit);
  }
}
