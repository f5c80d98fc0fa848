import { asc, inArray } from "drizzle-orm";
import { anyOfKeys, isUuid, type Database } from "@localex/common";
import { categories, type CategoryRow, type schema } from "../db/schema.ts";

export class CategoriesService {
  /** Built and prepared once (anyOfKeys). */
  private readonly categoriesByIds;

  constructor(private readonly db: Database<typeof schema>) {
    this.categoriesByIds = db.select().from(categories).where(anyOfKeys(categories.id, "uuid")).prepare("categories_by_ids");
  }

  all(): Promise<CategoryRow[]> {
    return this.db.select().from(categories).orderBy(asc(categories.position), asc(categories.slug));
  }

  async byIds(ids: readonly string[]): Promise<CategoryRow[]> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return [];
    return this.categoriesByIds.execute({ keys: valid });
  }
}
