import { sql } from "drizzle-orm";
import { bigint, check, doublePrecision, index, integer, jsonb, pgSchema, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import type { Database, ErrorCode } from "@localex/common";

export const tradesSchema = pgSchema("trades");

// Millisecond timestamps: a JS Date holds them exactly, so keyset cursors round-trip.
const ms = { withTimezone: true, precision: 3 } as const;

export const TRADE_STATUSES = ["PROPOSED", "COUNTERED", "ACCEPTED", "COMPLETED", "DECLINED", "CANCELLED", "EXPIRED", "DISPUTED", "RESOLVED"] as const;
export type TradeStatusName = (typeof TRADE_STATUSES)[number];

/**
 * A step in progress that involves the ledger and listings: ACCEPT (reserve listings, place
 * holds), UNDO_ACCEPT (a failed accept being rolled back), SETTLE (holds to the other side,
 * listings TRADED), RELEASE (holds back, listings ACTIVE). While a saga is set, the row is
 * owned by whoever holds the lease; every step is idempotent, so a new owner replays them.
 */
export const SAGAS = ["ACCEPT", "UNDO_ACCEPT", "SETTLE", "RELEASE"] as const;
export type SagaName = (typeof SAGAS)[number];

export interface StoredUserError {
  code: ErrorCode;
  message: string;
  field: string | null;
}

/** A listing as it was when the current terms were set (proposal or counter-offer). */
export interface ListingSnapshot {
  title: string;
  condition: string;
  creditPrice: number | null;
}

/** Every listing of the current terms, by id, and when the terms were set. */
export interface TermsSnapshot {
  at: string;
  listings: Record<string, ListingSnapshot>;
}

const list = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(", "));

export const trades = tradesSchema.table(
  "trades",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    proposerId: uuid("proposer_id").notNull(),
    recipientId: uuid("recipient_id").notNull(),
    status: text("status", { enum: TRADE_STATUSES }).notNull().default("PROPOSED"),
    /** The party who may counter, accept or decline next; null once negotiation is over. */
    turnUserId: uuid("turn_user_id"),
    offeredListingIds: uuid("offered_listing_ids").array().notNull().default(sql`'{}'::uuid[]`),
    requestedListingIds: uuid("requested_listing_ids").array().notNull().default(sql`'{}'::uuid[]`),
    offeredCredits: integer("offered_credits").notNull().default(0),
    requestedCredits: integer("requested_credits").notNull().default(0),
    message: text("message"),
    /** What each listing of the current terms looked like when they were set; null on trades from before snapshots. */
    listingSnapshot: jsonb("listing_snapshot").$type<TermsSnapshot>(),
    proposeKey: text("propose_key").notNull(),
    /** The proposal's terms as first sent, so a replayed key with other terms is refused. */
    proposeFingerprint: text("propose_fingerprint").notNull(),
    acceptKey: text("accept_key"),
    /** The first outcome of `acceptKey` when it failed for good; replays return it. */
    acceptError: jsonb("accept_error").$type<StoredUserError>(),
    /** Bumped on every accept attempt; holds are keyed by it so a retried accept gets fresh holds. */
    acceptAttempt: integer("accept_attempt").notNull().default(0),
    proposerConfirmedAt: timestamp("proposer_confirmed_at", ms),
    recipientConfirmedAt: timestamp("recipient_confirmed_at", ms),
    disputeReason: text("dispute_reason"),
    /** An ACCEPTED trade not confirmed by both parties by then moves to DISPUTED (TRADE_CONFIRMATION_DAYS). */
    confirmBy: timestamp("confirm_by", ms),
    /** When the trade last became DISPUTED (the disputes queue's order); null if it never did. */
    disputedAt: timestamp("disputed_at", ms),
    /** The party who opened the dispute; null when the system did (confirmBy passed, settlement stopped). */
    disputedBy: uuid("disputed_by"),
    /** The admin who took the dispute (takeDispute); their claim lapses at `disputeClaimedUntil`. */
    disputeAssigneeId: uuid("dispute_assignee_id"),
    disputeClaimedUntil: timestamp("dispute_claimed_until", ms),
    resolution: text("resolution", { enum: ["COMPLETE", "CANCEL"] }),
    /** The admin who resolved the dispute, and the reason both parties are told. */
    resolvedBy: uuid("resolved_by"),
    resolutionReason: text("resolution_reason"),
    saga: text("saga", { enum: SAGAS }),
    /** The status the saga ends in (for UNDO_ACCEPT: unchanged). */
    sagaTarget: text("saga_target", { enum: TRADE_STATUSES }),
    sagaActorId: uuid("saga_actor_id"),
    sagaOwner: uuid("saga_owner"),
    sagaLeaseUntil: timestamp("saga_lease_until", ms),
    expiresAt: timestamp("expires_at", ms),
    createdAt: timestamp("created_at", ms).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", ms).notNull().defaultNow(),
    /**
     * The request that last changed the trade: a request whose transaction lost its connection
     * runs again, and finding its own id here knows the first run committed (TradeStore.decide).
     */
    lastChangeId: uuid("last_change_id"),
  },
  (t) => [
    uniqueIndex("trades_propose_key").on(t.proposerId, t.proposeKey),
    index("trades_proposer_idx").on(t.proposerId, t.createdAt.desc(), t.id.desc()),
    index("trades_recipient_idx").on(t.recipientId, t.createdAt.desc(), t.id.desc()),
    index("trades_saga_idx").on(t.sagaLeaseUntil).where(sql`${t.saga} is not null`),
    index("trades_expiry_idx").on(t.expiresAt).where(sql`${t.status} in ('PROPOSED', 'COUNTERED')`),
    index("trades_disputes_idx").on(t.status, t.disputedAt, t.id).where(sql`${t.disputedAt} is not null`),
    index("trades_confirm_by_idx").on(t.confirmBy).where(sql`${t.status} = 'ACCEPTED'`),
    check("trades_status_check", sql`${t.status} in (${list(TRADE_STATUSES)})`),
    check("trades_saga_check", sql`${t.saga} is null or ${t.saga} in (${list(SAGAS)})`),
    check("trades_credits_check", sql`${t.offeredCredits} >= 0 and ${t.requestedCredits} >= 0`),
    check("trades_parties_check", sql`${t.proposerId} <> ${t.recipientId}`),
  ],
);

export const TRADE_EVENT_KINDS = [
  "PROPOSED",
  "COUNTERED",
  "ACCEPTED",
  "ACCEPT_FAILED",
  "DECLINED",
  "CANCELLED",
  "EXPIRED",
  "CONFIRMED",
  "COMPLETED",
  "DISPUTED",
  "RESOLVED",
] as const;
export type TradeEventKindName = (typeof TRADE_EVENT_KINDS)[number];

export const tradeEvents = tradesSchema.table(
  "trade_events",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    tradeId: uuid("trade_id")
      .notNull()
      .references(() => trades.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: TRADE_EVENT_KINDS }).notNull(),
    /** Null when the system acted (expiry). */
    actorId: uuid("actor_id"),
    note: text("note"),
    at: timestamp("at", ms).notNull().defaultNow(),
  },
  (t) => [index("trade_events_trade_idx").on(t.tradeId, t.id)],
);

export const feedback = tradesSchema.table(
  "feedback",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    tradeId: uuid("trade_id")
      .notNull()
      .references(() => trades.id, { onDelete: "cascade" }),
    authorId: uuid("author_id").notNull(),
    subjectId: uuid("subject_id").notNull(),
    rating: integer("rating").notNull(),
    comment: text("comment"),
    createdAt: timestamp("created_at", ms).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("feedback_once_per_party").on(t.tradeId, t.authorId),
    index("feedback_subject_idx").on(t.subjectId),
    check("feedback_rating_check", sql`${t.rating} between 1 and 5`),
  ],
);

/**
 * Members leaving LocalEx (issue 20): from the moment a member asks to delete their account no
 * trade starts with them (departures/departure-marks.ts). Kept once they are gone.
 */
export const departures = tradesSchema.table("departures", {
  userId: uuid("user_id").primaryKey(),
  since: timestamp("since", ms).notNull().defaultNow(),
});

/**
 * What the two parties of a trade say to each other (issue 22), oldest first. Kept when the
 * trade closes (it is their history) and when an author leaves (shown as a deleted member).
 * `clientKey`: the sender's idempotency key, so a resent message is stored once.
 */
export const tradeMessages = tradesSchema.table(
  "trade_messages",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    tradeId: uuid("trade_id")
      .notNull()
      .references(() => trades.id, { onDelete: "cascade" }),
    authorId: uuid("author_id").notNull(),
    body: text("body").notNull(),
    clientKey: text("client_key"),
    sentAt: timestamp("sent_at", ms).notNull().defaultNow(),
  },
  (t) => [
    index("trade_messages_trade_idx").on(t.tradeId, t.sentAt, t.id),
    index("trade_messages_author_idx").on(t.authorId),
    uniqueIndex("trade_messages_client_key").on(t.tradeId, t.authorId, t.clientKey),
  ],
);

/**
 * Where the parties of an accepted trade mean to meet: exact, for the two of them only, one per
 * trade (the last shared), and deleted in the transaction that closes the trade
 * (TradeStore.record). Never copied to listings or search.
 */
export const handOverPoints = tradesSchema.table(
  "hand_over_points",
  {
    tradeId: uuid("trade_id")
      .primaryKey()
      .references(() => trades.id, { onDelete: "cascade" }),
    sharedBy: uuid("shared_by").notNull(),
    lat: doublePrecision("lat").notNull(),
    lon: doublePrecision("lon").notNull(),
    note: text("note"),
    sharedAt: timestamp("shared_at", ms).notNull().defaultNow(),
  },
  (t) => [
    index("hand_over_points_shared_by_idx").on(t.sharedBy),
    check("hand_over_points_lat_check", sql`${t.lat} between -90 and 90`),
    check("hand_over_points_lon_check", sql`${t.lon} between -180 and 180`),
  ],
);

export type TradeRow = typeof trades.$inferSelect;
export type TradeEventRow = typeof tradeEvents.$inferSelect;
export type FeedbackRow = typeof feedback.$inferSelect;
export type TradeMessageRow = typeof tradeMessages.$inferSelect;
export type HandOverPointRow = typeof handOverPoints.$inferSelect;
export const schema = { trades, tradeEvents, feedback, departures, tradeMessages, handOverPoints };
export type TradesDatabase = Database<typeof schema>;
export type Tx = Parameters<Parameters<TradesDatabase["transaction"]>[0]>[0];
