import { pgSchema } from "drizzle-orm/pg-core";

export const media = pgSchema("media");
export const schema = {};
