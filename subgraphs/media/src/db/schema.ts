import { sql } from "drizzle-orm";
import { bigint, boolean, check, doublePrecision, index, integer, jsonb, pgSchema, text, timestamp, uuid } from "drizzle-orm/pg-core";
import type { Database } from "@localex/common";

export const mediaSchema = pgSchema("media");

// Millisecond timestamps: a JS Date holds them exactly.
const ms = { withTimezone: true, precision: 3 } as const;

export const MEDIA_STATUSES = ["PENDING", "PROCESSING", "READY", "FAILED", "TAKEN_DOWN"] as const;
export type MediaStatusName = (typeof MEDIA_STATUSES)[number];
export const UPLOAD_PURPOSES = ["LISTING_PHOTO", "AVATAR", "DOCUMENT"] as const;
export type UploadPurposeName = (typeof UPLOAD_PURPOSES)[number];
export const IMAGE_VARIANTS = ["THUMBNAIL", "MEDIUM", "LARGE", "ORIGINAL"] as const;
export type ImageVariantName = (typeof IMAGE_VARIANTS)[number];
export const JOB_STATUSES = ["QUEUED", "RUNNING", "RETRYING", "SUCCEEDED", "FAILED", "DEAD"] as const;
export type JobStatusName = (typeof JOB_STATUSES)[number];

/** One stored rendition of a media item. */
export interface StoredVariant {
  key: string;
  width: number | null;
  height: number | null;
  byteSize: number;
  contentType: string;
}
export type StoredVariants = Partial<Record<ImageVariantName, StoredVariant>>;

/**
 * An upload and what processing made of it. Bytes arrive under `staging_key` (private);
 * processing writes the variants (public for photos and avatars, private for documents) and
 * removes the staging object.
 */
export const media = mediaSchema.table(
  "media",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    ownerId: uuid("owner_id").notNull(),
    purpose: text("purpose", { enum: UPLOAD_PURPOSES }).notNull(),
    listingId: uuid("listing_id"),
    /** Order among the listing's photos (0 first). */
    position: integer("position").notNull().default(0),
    status: text("status", { enum: MEDIA_STATUSES }).notNull().default("PENDING"),
    filename: text("filename").notNull(),
    /** What the bytes are (detected), or what the client declared until they have arrived. */
    contentType: text("content_type").notNull(),
    /** Bytes of the upload itself. */
    byteSize: bigint("byte_size", { mode: "number" }).notNull(),
    /** Bytes kept in storage for it (staging, or every variant): what counts against the quota. */
    storedBytes: bigint("stored_bytes", { mode: "number" }).notNull().default(0),
    width: integer("width"),
    height: integer("height"),
    variants: jsonb("variants").$type<StoredVariants>().notNull().default({}),
    stagingKey: text("staging_key"),
    /** A presigned upload not completed by then is abandoned (orphan cleanup). */
    uploadExpiresAt: timestamp("upload_expires_at", ms),
    jobId: uuid("job_id"),
    error: text("error"),
    /** TAKEN_DOWN by an admin (takeDownMedia): when, and why (its owner is told; the bytes are gone). */
    takenDownAt: timestamp("taken_down_at", ms),
    takedownReason: text("takedown_reason"),
    createdAt: timestamp("created_at", ms).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", ms).notNull().defaultNow(),
  },
  (t) => [
    index("media_listing_idx").on(t.listingId, t.position).where(sql`${t.listingId} is not null`),
    index("media_owner_idx").on(t.ownerId, t.purpose, t.createdAt),
    index("media_pending_idx").on(t.uploadExpiresAt).where(sql`${t.status} = 'PENDING'`),
    check("media_listing_photo_check", sql`(${t.purpose} = 'LISTING_PHOTO') = (${t.listingId} is not null)`),
    check("media_sizes_check", sql`${t.byteSize} >= 0 and ${t.storedBytes} >= 0`),
  ],
);

/** Background work a member can follow (`job`, `jobUpdated`): processing an upload, a data export. */
export const jobs = mediaSchema.table(
  "jobs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    ownerId: uuid("owner_id").notNull(),
    kind: text("kind").notNull(),
    status: text("status", { enum: JOB_STATUSES }).notNull().default("QUEUED"),
    progress: doublePrecision("progress"),
    attempts: integer("attempts").notNull().default(0),
    maxAttempts: integer("max_attempts").notNull(),
    error: text("error"),
    /** Why the input was refused (INFECTED, UNSUPPORTED_TYPE, …), so a client can tell refusals apart; null otherwise. */
    errorCode: text("error_code"),
    /** False when the input itself was refused: running it again cannot help. */
    retryable: boolean("retryable").notNull().default(true),
    mediaId: uuid("media_id"),
    /** What the job was asked for beyond its owner (a ledger statement's range and kinds), so a retry runs the same work. */
    input: jsonb("input").$type<Record<string, unknown>>(),
    /** What the job made (a data export's archive, a statement's CSV): a private blob, offered by signed link until resultExpiresAt. */
    resultKey: text("result_key"),
    resultExpiresAt: timestamp("result_expires_at", ms),
    createdAt: timestamp("created_at", ms).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", ms).notNull().defaultNow(),
  },
  (t) => [
    index("jobs_media_idx").on(t.mediaId),
    index("jobs_owner_idx").on(t.ownerId),
    index("jobs_result_expiry_idx").on(t.resultExpiresAt).where(sql`${t.resultKey} is not null`),
  ],
);

/**
 * Members whose files were forgotten (account deletion, issue 20): nothing new is stored for
 * them (members/departures.ts), and an export that was running is discarded. Kept once they are gone.
 */
export const departures = mediaSchema.table("departures", {
  userId: uuid("user_id").primaryKey(),
  since: timestamp("since", ms).notNull().defaultNow(),
});

export const schema = { media, jobs, departures };
export type MediaRow = typeof media.$inferSelect;
export type JobRow = typeof jobs.$inferSelect;
export type MediaDatabase = Database<typeof schema>;
export type Tx = Parameters<Parameters<MediaDatabase["transaction"]>[0]>[0];
