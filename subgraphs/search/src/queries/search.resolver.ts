import { Arg, Int, Query, Resolver } from "type-graphql";

// The search index arrives with the listings-and-search issue; until then it is empty.
@Resolver()
export class SearchResolver {
  @Query(() => [String], { description: "Titles that start with the prefix, for type-ahead." })
  suggest(
    @Arg("prefix", () => String) _prefix: string,
    @Arg("limit", () => Int, { nullable: true }) _limit?: number,
  ): string[] {
    return [];
  }
}
