import { sql } from "drizzle-orm";
import { bigint, check, date, doublePrecision, index, integer, jsonb, pgSchema, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
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
    /**
     * Moderation (issue 23), two independent reasons to hide a listing from all but its owner and
     * admins: an admin took it down after a report (kept until `restoreListing`), and its owner is
     * suspended (cleared by reinstatement, which leaves a takedown in place). Kept apart so that
     * lifting one never lifts the other.
     */
    takenDownAt: timestamp("taken_down_at", ms),
    takenDownReason: text("taken_down_reason"),
    /** The report the takedown resolved, when it came from one. */
    takenDownReportId: uuid("taken_down_report_id"),
    ownerSuspendedAt: timestamp("owner_suspended_at", ms),
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
    check("listings_trade_check", sql`(${t.status} in ('RESERVED', 'TRADED')) = (${t.tradeId} is not null)`),
    check("listings_taken_down_check", sql`(${t.takenDownAt} is null) = (${t.takenDownReason} is null)`),
    // A suspension's hiding and its lifting touch every listing of one member.
    index("listings_owner_suspended_idx").on(t.ownerId).where(sql`${t.ownerSuspendedAt} is not null`),
  ],
);

/**
 * Members identity suspended (the `listings:member-suspension` job keeps it): a listing such a
 * member creates is hidden from the start, as the job hid the ones they had.
 */
export const suspendedMembers = listingsSchema.table("suspended_members", {
  userId: uuid("user_id").primaryKey(),
  suspendedAt: timestamp("suspended_at", ms).notNull().defaultNow(),
});

/** A product's name and model as the recall source lists it. */
export interface RecalledProduct {
  name: string;
  model: string;
}

/**
 * Product recalls as last fetched from the recall source (RECALLS_URL), one row per recall
 * number; kept once fetched (a refresh inserts and updates, never deletes). `models` and
 * `name_tokens` are the normalised words the check looks listings up by (src/recalls/matching.ts).
 */
export const recalls = listingsSchema.table(
  "recalls",
  {
    recallNumber: text("recall_number").primaryKey(),
    recallId: integer("recall_id"),
    title: text("title").notNull(),
    url: text("url"),
    recallDate: date("recall_date", { mode: "string" }),
    products: jsonb("products").$type<RecalledProduct[]>().notNull().default([]),
    models: text("models").array().notNull().default(sql`'{}'::text[]`),
    nameTokens: text("name_tokens").array().notNull().default(sql`'{}'::text[]`),
    fetchedAt: timestamp("fetched_at", ms).notNull().defaultNow(),
  },
  (t) => [index("recalls_models_idx").using("gin", t.models), index("recalls_name_tokens_idx").using("gin", t.nameTokens)],
);

/**
 * A listing that looked like a recalled product: OPEN holds it back from publishing until its
 * owner confirms it is not that product (CONFIRMED) or an admin clears it (CLEARED). The recall's
 * title, link and date are copied, so the owner's view never depends on the recall staying listed.
 */
export const recallMatches = listingsSchema.table(
  "recall_matches",
  {
    listingId: uuid("listing_id")
      .notNull()
      .references(() => listings.id, { onDelete: "cascade" }),
    recallNumber: text("recall_number").notNull(),
    title: text("title").notNull(),
    url: text("url"),
    recallDate: date("recall_date", { mode: "string" }),
    /** Why it matched, e.g. `model SR-1234` or `name: perego, prima, pappa`. */
    matchedOn: text("matched_on").notNull(),
    status: text("status").$type<RecallMatchStatusName>().notNull().default("OPEN"),
    resolvedBy: uuid("resolved_by"),
    resolvedAt: timestamp("resolved_at", ms),
    createdAt: timestamp("created_at", ms).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.listingId, t.recallNumber] }),
    check("recall_matches_status_check", sql`${t.status} in ('OPEN', 'CONFIRMED', 'CLEARED')`),
    check("recall_matches_resolved_check", sql`(${t.status} = 'OPEN') = (${t.resolvedAt} is null)`),
  ],
);

export type RecallMatchStatusName = "OPEN" | "CONFIRMED" | "CLEARED";
export type CategoryRow = typeof categories.$inferSelect;
export type ListingRow = typeof listings.$inferSelect;
export type RecallRow = typeof recalls.$inferSelect;
export type RecallMatchRow = typeof recallMatches.$inferSelect;
export const schema = { categories, listings, recalls, recallMatches, suspendedMembers };

export type ListingsDatabase = Database<typeof schema>;
/** A transaction on the listings database. */
export type Tx = Parameters<Parameters<ListingsDatabase["transaction"]>[0]>[0];
