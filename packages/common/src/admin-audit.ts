import { userInfo, hostname } from "node:os";
import { sql as drizzleSql } from "drizzle-orm";
import { bigint, jsonb, pgSchema, text, timestamp, uuid } from "drizzle-orm/pg-core";
import type { TransactionSql } from "postgres";
import type { Sql } from "./database.ts";
import type { SqlExecutor } from "./jobs.ts";
import { accepted, refusal, type Outcome } from "./outcome.ts";
import { textProblem } from "./text.ts";

/**
 * The admin audit log (issue 23; docs/audit.md): every admin act, appended in the transaction of
 * the act by whichever subgraph acts, to one table that PostgreSQL itself keeps append-only
 * (`audit.admin_acts`, drizzle/audit/). Like graphile-worker's queue it belongs to no subgraph:
 * every subgraph writes it here, identity reads it (`adminAuditLog`, the member's data export).
 */

/**
 * Every action recorded, with the words an entry shows for it. To record a new kind of act, add
 * it here (and its details' shape to AdminActDetails); the GraphQL enum `AdminAction` follows.
 */
export const ADMIN_ACTIONS = {
  CREDITS_GRANTED: "granted credits to the member (grantCredits)",
  DISPUTE_TAKEN: "took a trade's dispute to work on it (takeDispute)",
  DISPUTE_RESOLVED: "resolved a trade's dispute (resolveDispute)",
  VERIFICATION_APPROVED: "approved the member's verification request",
  VERIFICATION_REJECTED: "rejected the member's verification request",
  DOCUMENT_URL_ISSUED: "obtained a link to the member's private document",
  ADMIN_GRANTED: "made the member an administrator",
  ADMIN_REVOKED: "took the administrator role from the member",
  JOB_RETRIED: "ran the member's failed job again (retryJob)",
  MEDIA_TAKEN_DOWN: "took down the member's file (takeDownMedia)",
  RECALL_MATCH_CLEARED: "cleared a product-recall match on the member's listing",
  MEMBER_SUSPENDED: "suspended the member (suspendMember, or resolveReport's SUSPEND_MEMBER)",
  MEMBER_REINSTATED: "lifted the member's suspension (reinstateMember)",
  REPORT_RESOLVED: "resolved a member's report (resolveReport)",
  LISTING_RESTORED: "lifted the takedown of the member's listing (restoreListing)",
} as const;

export type AdminAction = keyof typeof ADMIN_ACTIONS;

type JsonScalar = string | number | boolean | null;
export type AdminActDetail = JsonScalar | JsonScalar[];

/** What an entry keeps beyond who, what and why, per action (JSON; none of it secret). */
export interface AdminActDetails extends Record<AdminAction, Record<string, AdminActDetail>> {
  CREDITS_GRANTED: { amount: number };
  DISPUTE_TAKEN: { claimedUntil: string | null };
  DISPUTE_RESOLVED: { outcome: "COMPLETE" | "CANCEL" };
  DOCUMENT_URL_ISSUED: { variant: string; expiresInSeconds: number };
  JOB_RETRIED: { kind: string };
  MEDIA_TAKEN_DOWN: { purpose: string };
  RECALL_MATCH_CLEARED: { recallNumber: string };
  MEMBER_SUSPENDED: { until: string | null; reportId: string | null };
  REPORT_RESOLVED: { action: "DISMISS" | "HIDE_LISTING" | "SUSPEND_MEMBER"; reportSubject: "LISTING" | "MEMBER"; targetId: string };
}

/** What an act was done on: `{ kind: "TRADE", id }`. */
export type AdminActSubjectKind = "USER" | "TRANSFER" | "TRADE" | "VERIFICATION_REQUEST" | "MEDIA" | "JOB" | "LISTING" | "REPORT";

/** The operator's command line acts with no admin user: the entry names the operator instead. */
export interface OperatorActor {
  operator: string;
}

/** The operator at this terminal: `operator (pnpm admin; alice@host)`, so an entry says which login ran it. */
export function operatorActor(tool: string): OperatorActor {
  let who = "unknown";
  try {
    who = `${userInfo().username}@${hostname()}`;
  } catch {
    // No passwd entry for this uid (a container): the host alone still says where it ran.
    who = hostname();
  }
  return { operator: `operator (${tool}; ${who})` };
}

export interface AdminAct<A extends AdminAction = AdminAction> {
  /** The acting admin's user id, or the operator (OperatorActor) for the CLI. */
  admin: string | OperatorActor;
  action: A;
  subject: { kind: AdminActSubjectKind; id: string };
  /** The members the act concerns (their data export holds it): one, or both parties of a dispute. */
  members: readonly string[];
  /** Why, as the admin gave it (null when the operation takes no reason). */
  reason: string | null;
  details: AdminActDetails[A];
}

export const AUDIT_REASON_MAX = 1000;

/**
 * An optional reason an admin gives for an act (`reason` arguments): trimmed, null when not
 * given; INVALID_INPUT naming `field` when empty, too long or holding control characters.
 */
export function auditReason(raw: string | null | undefined, field = "reason"): Outcome<string | null> {
  if (raw == null) return accepted(null);
  const reason = raw.normalize("NFC").trim();
  const problem = textProblem(reason, { label: "The reason", max: AUDIT_REASON_MAX, min: 1, multiline: true });
  return problem ? refusal("INVALID_INPUT", problem, field) : accepted(reason);
}

/** A drizzle database or transaction, or postgres.js's `sql` / a `sql.begin` transaction (the ledger's). */
export type AuditExecutor = SqlExecutor | Sql | TransactionSql;

/**
 * Appends one entry, on `executor`: pass the transaction of the act, so the entry commits with
 * it and a rolled-back or refused act leaves none. Throws if the row cannot be written (the act
 * then fails too: no admin act goes unrecorded).
 */
export async function recordAdminAct<A extends AdminAction>(executor: AuditExecutor, act: AdminAct<A>): Promise<void> {
  const adminId = typeof act.admin === "string" ? act.admin : null;
  const actor = typeof act.admin === "string" ? "admin" : act.admin.operator;
  // A PostgreSQL array literal: the ids are uuids (a malformed one fails the insert, and the act with it).
  const members = `{${[...new Set(act.members)].join(",")}}`;
  const details = JSON.stringify(act.details);
  if (typeof executor === "function") {
    // `::text` first: postgres.js would JSON-encode a string sent as jsonb a second time (a JSON string, which the table refuses).
    await executor`insert into audit.admin_acts (admin_id, actor, action, subject_kind, subject_id, member_ids, reason, details)
      values (${adminId}, ${actor}, ${act.action}, ${act.subject.kind}, ${act.subject.id}, ${members}::uuid[], ${act.reason}, ${details}::text::jsonb)`;
    return;
  }
  await executor.execute(drizzleSql`insert into audit.admin_acts (admin_id, actor, action, subject_kind, subject_id, member_ids, reason, details)
    values (${adminId}, ${actor}, ${act.action}, ${act.subject.kind}, ${act.subject.id}, ${members}::uuid[], ${act.reason}, ${details}::jsonb)`);
}

/** The table, for reading it (identity's adminAuditLog and export); writes go through recordAdminAct only. */
export const adminActs = pgSchema("audit").table("admin_acts", {
  seq: bigint("seq", { mode: "number" }).notNull(),
  id: uuid("id").notNull(),
  at: timestamp("at", { withTimezone: true, precision: 3 }).notNull(),
  adminId: uuid("admin_id"),
  actor: text("actor").notNull(),
  action: text("action").$type<AdminAction>().notNull(),
  subjectKind: text("subject_kind").$type<AdminActSubjectKind>().notNull(),
  subjectId: text("subject_id").notNull(),
  memberIds: uuid("member_ids").array().notNull(),
  reason: text("reason"),
  details: jsonb("details").$type<Record<string, AdminActDetail>>().notNull(),
});

export type AdminActRow = typeof adminActs.$inferSelect;
