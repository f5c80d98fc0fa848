import { pgSchema } from "drizzle-orm/pg-core";

export const listings = pgSchema("listings");
export const schema = {};
