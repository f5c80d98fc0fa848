import { pgSchema } from "drizzle-orm/pg-core";

export const trades = pgSchema("trades");
export const schema = {};
