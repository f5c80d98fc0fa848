import { pgSchema } from "drizzle-orm/pg-core";

export const ledger = pgSchema("ledger");
export const schema = {};
