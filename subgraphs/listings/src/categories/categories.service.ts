import { asc, inArray } from "drizzle-orm";
import { anyOfKeys, readByKeys, type Database } from "@localex/common";
import { categories, type CategoryRow, type schema } from "../db/schema.ts";

export class CategoriesService {
  /** Built and prepared once (anyOfKeys). */
  readonly byIds: (ids: readonly string[]) => Promise<CategoryRow[]>;

  constructor(private readonly db: Database<typeof schema>) {
    this.byIds = readByKeys(db.select().from(categories).where(anyOfKeys(categories.id, "uuid")).prepare("categories_by_ids"));
  }

  all(): Promise<CategoryRow[]> {
    return this.db.select().from(categories).orderBy(asc(categories.position), asc(categories.slug));
  }
}
