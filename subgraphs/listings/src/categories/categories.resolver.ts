import { Ctx, Query, Resolver } from "type-graphql";
import type { ListingsContext } from "../context.ts";
import { Category } from "./category.type.ts";

@Resolver(() => Category)
export class CategoriesResolver {
  @Query(() => [Category], { description: "Every category, in display order." })
  async categories(@Ctx() ctx: ListingsContext): Promise<Category[]> {
    const rows = await ctx.services.categories.all();
    for (const row of rows) ctx.loaders.categoryById.prime(row.id, row);
    return rows;
  }
}
