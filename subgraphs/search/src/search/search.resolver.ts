import { Args, Ctx, Query, Resolver } from "type-graphql";
import type { SearchContext } from "../context.ts";
import { SearchArgsType, SearchConnection, SuggestArgs } from "./search.type.ts";

@Resolver()
export class SearchResolver {
  @Query(() => SearchConnection, {
    description: "Findable (ACTIVE) listings matching the words, filter and sort, with facets over the whole match.",
  })
  async search(@Args(() => SearchArgsType) args: SearchArgsType, @Ctx() ctx: SearchContext): Promise<SearchConnection> {
    await ctx.services.limits.consume("SEARCH_PER_CLIENT", ctx.client);
    return ctx.services.search.search(args);
  }

  @Query(() => [String], { description: "Titles of findable listings for type-ahead: those starting with the prefix first." })
  async suggest(@Args(() => SuggestArgs) args: SuggestArgs, @Ctx() ctx: SearchContext): Promise<string[]> {
    await ctx.services.limits.consume("SEARCH_PER_CLIENT", ctx.client);
    return ctx.services.search.suggest(args.prefix, args.limit);
  }
}
