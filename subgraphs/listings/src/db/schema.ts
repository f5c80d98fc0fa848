import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgSchema,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import type { Database, ItemConditionName, ListingStatusName } from "@localex/common";

export const listingsSchema = pgSchema("listings");

/** Seeded by a migration; `allowed_attributes` are the attribute keys a listing in it may carry. */
export const categories = listingsSchema.table(
  "categories",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    slug: text("slug").notNull(),
    name: text("name").notNull(),
    allowedAttributes: text("allowed_attributes").array().notNull().default(sql`'{}'::text[]`),
    position: integer("position").notNull().default(0),
  },
  (t) => [uniqueIndex("categories_slug_key").on(t.slug)],
);

// Millisecond timestamps: a JS Date holds them exactly, so keyset cursors round-trip.
const ms = { withTimezone: true, precision: 3 } as const;

export const listings = listingsSchema.table(
  "listings",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    ownerId: uuid("owner_id").notNull(),
    title: text("title").notNull(),
    description: text("description").notNull(),
    categoryId: uuid("category_id")
      .notNull()
      .references(() => categories.id),
    condition: text("condition").$type<ItemConditionName>().notNull(),
    status: text("status").$type<ListingStatusName>().notNull().default("DRAFT"),
    creditPrice: integer("credit_price"),
    lat: doublePrecision("lat"),
    lon: doublePrecision("lon"),
    /** `{ key: value }`, keys among the category's allowed attributes. */
    attributes: jsonb("attributes").$type<Record<string, string>>().notNull().default({}),
    /** The trade that holds the listing (RESERVED) or took it (TRADED); null otherwise. */
    tradeId: uuid("trade_id"),
    /** Bumped by every change; search ignores snapshots older than the one it indexed. */
    version: bigint("version", { mode: "number" }).notNull().default(1),
    /** `createListing`'s idempotency key, unique per owner; null when none was given. */
    createKey: text("create_key"),
    /** The create input as first sent under `createKey`, so a replay with other input is refused. */
    createFingerprint: text("create_fingerprint"),
    createdAt: timestamp("created_at", ms).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", ms).notNull().defaultNow(),
  },
  (t) => [
    index("listings_owner_created_idx").on(t.ownerId, t.createdAt.desc(), t.id.desc()),
    index("listings_status_created_idx").on(t.status, t.createdAt.desc(), t.id.desc()),
    // NULL keys never conflict, so listings created without a key are unaffected.
    uniqueIndex("listings_create_key").on(t.ownerId, t.createKey),
    index("listings_trade_idx").on(t.tradeId).where(sql`${t.tradeId} is not null`),
    check("listings_status_check", sql`${t.status} in ('DRAFT', 'ACTIVE', 'RESERVED', 'TRADED', 'ARCHIVED')`),
    check("listings_condition_check", sql`${t.condition} in ('NEW', 'LIKE_NEW', 'GOOD', 'FAIR', 'POOR')`),
    check("listings_credit_price_check", sql`${t.creditPrice} is null or ${t.creditPrice} >= 0`),
    check(
      "listings_location_check",
      sql`(${t.lat} is null) = (${t.lon} is null) and (${t.lat} is null or (${t.lat} between -90 and 90 and ${t.lon} between -180 and 180))`,
    ),
    check(
      "listings_trade_check",
      sql`(${t.status} in ('RESERVED', 'TRADED')) = (${t.tradeId} is not null)`,
    ),
  ],
);

export type CategoryRow = typeof categories.$inferSelect;
export type ListingRow = typeof listings.$inferSelect;
export const schema = { categories, listings };

export type ListingsDatabase = Database<typeof schema>;
/** A transaction on the listings database. */
export type Tx = Parameters<Parameters<ListingsDatabase["transaction"]>[0]>[0];
