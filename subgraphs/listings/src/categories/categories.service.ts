import { asc, inArray } from "drizzle-orm";
import { isUuid, type Database } from "@localex/common";
import { categories, type CategoryRow, type schema } from "../db/schema.ts";

export class CategoriesService {
  constructor(private readonly db: Database<typeof schema>) {}

  all(): Promise<CategoryRow[]> {
    return this.db.select().from(categories).orderBy(asc(categories.position), asc(categories.slug));
  }

  async byIds(ids: readonly string[]): Promise<CategoryRow[]> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return [];
    return this.db.select().from(categories).where(inArray(categories.id, valid));
  }
}
