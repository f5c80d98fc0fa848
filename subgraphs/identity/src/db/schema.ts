import { sql } from "drizzle-orm";
import { boolean, check, index, pgSchema, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { NOTIFICATION_KINDS, type Database } from "@localex/common";

export const identity = pgSchema("identity");

// Millisecond timestamps: a JS Date holds them exactly, so keyset cursors round-trip.
const ms = { withTimezone: true, precision: 3 } as const;

export const users = identity.table(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** Trimmed, NFC-normalised, lower-cased: the one form we compare. */
    email: text("email").notNull(),
    passwordHash: text("password_hash").notNull(),
    displayName: text("display_name").notNull(),
    /** The public handle (`@ann`), stored lower-case without the `@` (users/profile-rules.ts); unique; null until chosen. */
    handle: text("handle"),
    /** A short text about the member, shown on their profile (BIO_MAX characters). */
    bio: text("bio"),
    /** The coarse area they trade in, as they put it ("Utrecht Oost"); free text, AREA_MAX characters. */
    area: text("area"),
    role: text("role", { enum: ["user", "admin"] })
      .notNull()
      .default("user"),
    /** Documents checked and approved by an admin (a verification request). */
    verified: boolean("verified").notNull().default(false),
    /** The address answered the link mailed at registration; the welcome credits follow it. */
    emailVerified: boolean("email_verified").notNull().default(false),
    /** deleteMyAccount was accepted: nobody signs in any more, and the deletion job is under way. */
    deletionRequestedAt: timestamp("deletion_requested_at", ms),
    /** The profile was anonymised: what remains is an id that others' histories point at. */
    deletedAt: timestamp("deleted_at", ms),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("users_email_key").on(t.email),
    uniqueIndex("users_handle_key").on(t.handle),
    // members(query:), living members only (migration 0007): prefixes of handles and display names
    // (btree, pattern ops), words and similar ones (pg_trgm's GIN).
    index("users_handle_prefix_idx").using("btree", t.handle.op("text_pattern_ops")).where(sql`deletion_requested_at is null`),
    index("users_display_name_prefix_idx").using("btree", sql`lower(${t.displayName}) text_pattern_ops`).where(sql`deletion_requested_at is null`),
    // fastupdate off: members register seldom and are looked up often; a pending list (up to 4 MB,
    // until autovacuum) is read by every lookup, which cost 20-50 ms at 100 000 in the bench.
    index("users_handle_trgm_idx").using("gin", t.handle.op("gin_trgm_ops")).with({ fastupdate: false }).where(sql`deletion_requested_at is null`),
    index("users_display_name_trgm_idx")
      .using("gin", sql`lower(${t.displayName}) gin_trgm_ops`)
      .with({ fastupdate: false })
      .where(sql`deletion_requested_at is null`),
    check("users_role_check", sql`${t.role} in ('user', 'admin')`),
    check("users_handle_check", sql`${t.handle} ~ '^[a-z0-9_]{3,20}$'`),
  ],
);

/**
 * Rotating refresh tokens, stored as SHA-256 digests. Every rotation stays in its family;
 * presenting a used token again revokes the whole family (theft detection).
 */
export const refreshTokens = identity.table(
  "refresh_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    familyId: uuid("family_id").notNull(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("refresh_tokens_hash_key").on(t.tokenHash),
    index("refresh_tokens_family_idx").on(t.familyId),
    index("refresh_tokens_user_idx").on(t.userId),
  ],
);

/**
 * A member's inbox: one row per thing they were told about, recorded by the `identity:notify`
 * job in the transaction of the change that caused it (so the inbox is complete even when live
 * delivery is not). `key` makes a job that runs twice record once.
 */
export const notifications = identity.table(
  "notifications",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: NOTIFICATION_KINDS }).notNull(),
    message: text("message").notNull(),
    tradeId: uuid("trade_id"),
    /** What else it is about (no foreign keys: each lives in another subgraph, or may be deleted before it is read). */
    mediaId: uuid("media_id"),
    jobId: uuid("job_id"),
    transferId: uuid("transfer_id"),
    verificationRequestId: uuid("verification_request_id"),
    key: text("key").notNull(),
    readAt: timestamp("read_at", ms),
    /** Set when an email carried it (alone or in a digest). */
    emailedAt: timestamp("emailed_at", ms),
    createdAt: timestamp("created_at", ms).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("notifications_key").on(t.key),
    index("notifications_inbox_idx").on(t.userId, t.createdAt.desc(), t.id.desc()),
    index("notifications_unread_idx").on(t.userId).where(sql`${t.readAt} is null`),
    index("notifications_unsent_idx").on(t.userId, t.kind).where(sql`${t.emailedAt} is null`),
  ],
);

/** Per kind, whether a member wants email and push as well (in-app is always on); no row: the defaults. */
export const notificationPreferences = identity.table(
  "notification_preferences",
  {
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: NOTIFICATION_KINDS }).notNull(),
    email: boolean("email").notNull(),
    push: boolean("push").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.kind] })],
);

/** Browsers' Web Push subscriptions, one row per endpoint. */
export const pushSubscriptions = identity.table(
  "push_subscriptions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    endpoint: text("endpoint").notNull(),
    p256dh: text("p256dh").notNull(),
    auth: text("auth").notNull(),
    createdAt: timestamp("created_at", ms).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("push_subscriptions_endpoint_key").on(t.endpoint), index("push_subscriptions_user_idx").on(t.userId)],
);

/**
 * A member's request to be verified: one or two private documents (media ids), decided by an
 * admin. At most one PENDING request per member. The documents are deleted by a job scheduled
 * in the deciding transaction (VERIFICATION_DOCUMENT_RETENTION_HOURS later).
 */
export const verificationRequests = identity.table(
  "verification_requests",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    status: text("status", { enum: ["PENDING", "APPROVED", "REJECTED"] })
      .notNull()
      .default("PENDING"),
    documentIds: uuid("document_ids").array().notNull(),
    reason: text("reason"),
    decidedBy: uuid("decided_by"),
    submittedAt: timestamp("submitted_at", ms).notNull().defaultNow(),
    decidedAt: timestamp("decided_at", ms),
    documentsDeletedAt: timestamp("documents_deleted_at", ms),
  },
  (t) => [
    uniqueIndex("verification_requests_one_pending").on(t.userId).where(sql`${t.status} = 'PENDING'`),
    index("verification_requests_queue_idx").on(t.status, t.submittedAt, t.id),
    check("verification_requests_status_check", sql`${t.status} in ('PENDING', 'APPROVED', 'REJECTED')`),
  ],
);

/**
 * An account being deleted: the steps done so far, so the job resumes where a crash left it
 * (each step is idempotent; one recorded as done is never run again).
 */
export const accountDeletions = identity.table("account_deletions", {
  userId: uuid("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  stepsDone: text("steps_done").array().notNull().default(sql`'{}'::text[]`),
  requestedAt: timestamp("requested_at", ms).notNull().defaultNow(),
  completedAt: timestamp("completed_at", ms),
  lastError: text("last_error"),
});

/**
 * Every mailbox that has received the welcome grant, as the SHA-256 of its canonical address
 * (users/canonical-email.ts), and no account: claimed in the transaction that verifies an
 * address, so of two accounts on one mailbox (`ann+2@…`, `a.nn@gmail.com`), verified one after
 * the other or at once, only the first is granted. Kept after an account is deleted, so deleting
 * and registering again does not grant again.
 */
export const welcomeGrants = identity.table("welcome_grants", {
  mailboxSha256: text("mailbox_sha256").primaryKey(),
  grantedAt: timestamp("granted_at", ms).notNull().defaultNow(),
});

/**
 * A member's change of email address (changeEmail): pending until the link mailed to the new
 * address confirms it; undone (from the link mailed to the old address) until `undoExpiresAt`.
 * The row makes each link single-use (its state changes under the member's row lock) and, while
 * a confirmed change can still be undone, keeps the old address reserved: nobody else registers
 * or moves to it (users/email-claims.ts). Deleted with the member's profile (anonymised).
 */
export const emailChanges = identity.table(
  "email_changes",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    oldEmail: text("old_email").notNull(),
    /** Whether the old address was verified: restored with it by an undo. */
    oldEmailVerified: boolean("old_email_verified").notNull(),
    newEmail: text("new_email").notNull(),
    requestedAt: timestamp("requested_at", ms).notNull().defaultNow(),
    confirmExpiresAt: timestamp("confirm_expires_at", ms).notNull(),
    undoExpiresAt: timestamp("undo_expires_at", ms).notNull(),
    confirmedAt: timestamp("confirmed_at", ms),
    undoneAt: timestamp("undone_at", ms),
    /** A newer changeEmail replaced it before it was confirmed: its confirmation link works no more. */
    supersededAt: timestamp("superseded_at", ms),
  },
  (t) => [
    index("email_changes_user_idx").on(t.userId, t.requestedAt),
    // The addresses a confirmed change still reserves for its undo.
    index("email_changes_reserved_idx").on(t.oldEmail).where(sql`${t.confirmedAt} is not null and ${t.undoneAt} is null`),
  ],
);

/**
 * Suspensions (issue 23): an admin's suspendMember, until a time or (until null) until lifted.
 * In force while `lifted_at is null and (until is null or until > now())`: one with an end lapses
 * by itself. At most one row per member is not lifted (a new suspension lifts the one before, lapsed
 * or not), so "the member's suspension" is one row. `suspended_by` is kept for the admins' record
 * and is never shown to the member.
 */
export const suspensions = identity.table(
  "suspensions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    reason: text("reason").notNull(),
    until: timestamp("until", ms),
    suspendedBy: uuid("suspended_by").notNull(),
    /** The report this suspension resolved (resolveReport's SUSPEND_MEMBER), if any. */
    reportId: uuid("report_id"),
    createdAt: timestamp("created_at", ms).notNull().defaultNow(),
    liftedAt: timestamp("lifted_at", ms),
    liftedBy: uuid("lifted_by"),
  },
  (t) => [uniqueIndex("suspensions_one_current").on(t.userId).where(sql`${t.liftedAt} is null`), index("suspensions_user_idx").on(t.userId, t.createdAt)],
);

export const REPORT_REASONS = ["PROHIBITED_ITEM", "SCAM", "OFFENSIVE", "COUNTERFEIT", "OTHER"] as const;
export const REPORT_OUTCOMES = ["DISMISSED", "LISTING_HIDDEN", "MEMBER_SUSPENDED"] as const;

/**
 * A member's report of a listing or of another member (issue 23), OPEN until an admin resolves it
 * (once: the resolving update is conditional on OPEN). One OPEN report per reporter and target
 * (`reports_one_open`), so two clicks at once make one. `member_id` is the member accountable: the
 * one reported, or the listing's owner when it was reported (asked of listings then), whom
 * SUSPEND_MEMBER suspends. `resolved_by` is never shown to the reporter.
 */
export const reports = identity.table(
  "reports",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    reporterId: uuid("reporter_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    subject: text("subject", { enum: ["LISTING", "MEMBER"] }).notNull(),
    /** The listing's id (listings owns it: no foreign key) or the reported member's. */
    targetId: uuid("target_id").notNull(),
    memberId: uuid("member_id").notNull(),
    /** The listing's title when it was reported: what the reporter is told the outcome of. */
    listingTitle: text("listing_title"),
    reason: text("reason", { enum: REPORT_REASONS }).notNull(),
    details: text("details"),
    status: text("status", { enum: ["OPEN", "RESOLVED"] })
      .notNull()
      .default("OPEN"),
    outcome: text("outcome", { enum: REPORT_OUTCOMES }),
    note: text("note"),
    resolvedBy: uuid("resolved_by"),
    createdAt: timestamp("created_at", ms).notNull().defaultNow(),
    resolvedAt: timestamp("resolved_at", ms),
  },
  (t) => [
    uniqueIndex("reports_one_open").on(t.reporterId, t.subject, t.targetId).where(sql`${t.status} = 'OPEN'`),
    index("reports_queue_idx").on(t.status, t.createdAt, t.id),
    check("reports_subject_check", sql`${t.subject} in ('LISTING', 'MEMBER')`),
    check("reports_status_check", sql`${t.status} in ('OPEN', 'RESOLVED')`),
    check("reports_reason_check", sql`${t.reason} in ('PROHIBITED_ITEM', 'SCAM', 'OFFENSIVE', 'COUNTERFEIT', 'OTHER')`),
  ],
);

export type UserRow = typeof users.$inferSelect;
export type EmailChangeRow = typeof emailChanges.$inferSelect;
/** A transaction on identity's tables. */
export type IdentityTx = Parameters<Parameters<Database<typeof schema>["transaction"]>[0]>[0];
export type VerificationRequestRow = typeof verificationRequests.$inferSelect;
export type NotificationRow = typeof notifications.$inferSelect;
export type SuspensionRow = typeof suspensions.$inferSelect;
export type ReportRow = typeof reports.$inferSelect;
export const schema = {
  users,
  refreshTokens,
  notifications,
  notificationPreferences,
  pushSubscriptions,
  verificationRequests,
  accountDeletions,
  welcomeGrants,
  emailChanges,
  suspensions,
  reports,
};
