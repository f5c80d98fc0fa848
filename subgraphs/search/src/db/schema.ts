import { pgSchema } from "drizzle-orm/pg-core";

export const search = pgSchema("search");
export const schema = {};
