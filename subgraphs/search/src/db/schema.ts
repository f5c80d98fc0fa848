import { sql } from "drizzle-orm";
import { bigint, boolean, customType, doublePrecision, index, integer, pgSchema, real, text, timestamp, uuid } from "drizzle-orm/pg-core";

export const search = pgSchema("search");

const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });

/**
 * One row per listing ever indexed, whatever its status (so a late, older snapshot can be
 * recognised and ignored); only ACTIVE rows that moderation has not hidden are findable. `document` is the weighted
 * tsvector, generated so no query ever calls to_tsvector over the table.
 */
export const listingDocuments = search.table(
  "listing_documents",
  {
    id: uuid("id").primaryKey(),
    ownerId: text("owner_id").notNull(),
    title: text("title").notNull(),
    description: text("description").notNull(),
    categoryId: text("category_id").notNull(),
    categorySlug: text("category_slug").notNull(),
    condition: text("condition").notNull(),
    status: text("status").notNull(),
    /** Hidden by moderation (taken down, or its owner suspended): not findable whatever its status. */
    hidden: boolean("hidden").notNull().default(false),
    creditPrice: integer("credit_price"),
    lat: doublePrecision("lat"),
    lon: doublePrecision("lon"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
    version: bigint("version", { mode: "number" }).notNull(),
    /** When this row was last written: a full reindex deletes rows it did not touch. */
    indexedAt: timestamp("indexed_at", { withTimezone: true }).notNull().defaultNow(),
    document: tsvector("document")
      .notNull()
      .generatedAlwaysAs(sql`setweight(to_tsvector('english'::regconfig, title), 'A') || setweight(to_tsvector('english'::regconfig, description), 'B')`),
  },
  (t) => [
    index("listing_documents_document_idx").using("gin", t.document).where(sql`status = 'ACTIVE'`),
    index("listing_documents_title_trgm_idx").using("gin", t.title.op("gin_trgm_ops")).where(sql`status = 'ACTIVE'`),
    index("listing_documents_location_idx").using("gist", sql`point(lon, lat)`).where(sql`status = 'ACTIVE' and lat is not null`),
    // Words by place (search.place_words, migration 0005): a search near a point asks this index
    // for its words within the grid cells of its box, instead of every listing in the box.
    index("listing_documents_place_words_idx").using("gin", sql`search.place_words(document, lat, lon)`).where(sql`status = 'ACTIVE' and lat is not null`),
    index("listing_documents_created_idx").on(t.createdAt.desc(), t.id.desc()).where(sql`status = 'ACTIVE'`),
    index("listing_documents_indexed_at_idx").on(t.indexedAt),
  ],
);

/**
 * Each indexed listing's most similar listings, best first, computed when the listing is
 * indexed (and offered to those neighbours' own lists), so `similar` reads one row per
 * listing instead of searching. Neighbours that stop being findable are skipped on read.
 */
export const similarListings = search.table("similar_listings", {
  listingId: uuid("listing_id")
    .primaryKey()
    .references(() => listingDocuments.id, { onDelete: "cascade" }),
  similarIds: uuid("similar_ids").array().notNull(),
  scores: real("scores").array().notNull(),
  computedAt: timestamp("computed_at", { withTimezone: true }).notNull().defaultNow(),
});

export type ListingDocumentRow = typeof listingDocuments.$inferSelect;
export const schema = { listingDocuments, similarListings };
