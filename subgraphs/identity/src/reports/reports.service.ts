import {
  accepted,
  enqueueJob,
  recordAdminAct,
  isUuid,
  refusal,
  TASKS,
  textProblem,
  type Connection,
  type Database,
  type InternalClient,
  type Outcome,
  type RateLimiter,
  type Refusal,
} from "@localex/common";
import type { ReportRow, schema } from "../db/schema.ts";
import { announceSessionsEnded } from "../sessions/ended-sessions.ts";
import type { SuspensionsService } from "../suspensions/suspensions.service.ts";
import type { UsersService } from "../users/users.service.ts";
import { reportedListing } from "./listings-client.ts";
import { ReportsStore, type NewReport } from "./reports.store.ts";

export const MAX_DETAILS = 1000;
export const MAX_NOTE = 1000;

export type ReportTarget = { listingId: string } | { userId: string };
export type Action = "DISMISS" | "HIDE_LISTING" | "SUSPEND_MEMBER";
const OUTCOME = { DISMISS: "DISMISSED", HIDE_LISTING: "LISTING_HIDDEN", SUSPEND_MEMBER: "MEMBER_SUSPENDED" } as const;

/** A refusal met inside resolveReport's transaction, thrown to roll it back and answered as data. */
class Refused extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.message);
  }
}

/**
 * Reports (issue 23): members report a listing or another member; admins look at them oldest
 * first and resolve each once, dismissing it, taking the listing down (listings' take-down job) or
 * suspending the member accountable (the suspensions service, in the same transaction). The
 * reporter is told the outcome, never who decided it.
 */
export class ReportsService {
  private readonly store: ReportsStore;

  constructor(
    private readonly db: Database<typeof schema>,
    private readonly internal: InternalClient,
    private readonly limits: RateLimiter,
    private readonly users: UsersService,
    private readonly suspensions: SuspensionsService,
  ) {
    this.store = new ReportsStore(db);
  }

  /** reportListing and reportMember. Counted before anything is looked up (REPORT_PER_ACCOUNT). */
  async report(reporterId: string, target: ReportTarget, reason: ReportRow["reason"], details: string | null | undefined): Promise<Outcome<ReportRow>> {
    await this.limits.consume("REPORT_PER_ACCOUNT", `account:${reporterId}`);
    const text = details?.normalize("NFC").trim() || null;
    const problem = text === null ? null : textProblem(text, { label: "The details", max: MAX_DETAILS, multiline: true });
    if (problem) return refusal("INVALID_INPUT", problem, "details");
    if (reason === "OTHER" && text === null) return refusal("INVALID_INPUT", "Say what is wrong in `details` when the reason is OTHER.", "details");
    const found = await this.targetOf(reporterId, target);
    if (!found.ok) return found;
    const row = await this.store.open({ ...found.value, reporterId, reason, details: text });
    if (!row) return refusal("REPORT_ALREADY_OPEN", "You already reported this; an administrator will look at your report.");
    return accepted(row);
  }

  private async targetOf(reporterId: string, target: ReportTarget): Promise<Outcome<Pick<NewReport, "subject" | "targetId" | "memberId" | "listingTitle">>> {
    if ("listingId" in target) {
      const notFound = refusal("NOT_FOUND", "There is no such listing.", "listingId");
      if (!isUuid(target.listingId)) return notFound;
      const listing = await reportedListing(this.internal, target.listingId);
      // A draft is seen by its owner only: to anyone else it does not exist.
      if (!listing || (listing.status === "DRAFT" && listing.ownerId !== reporterId)) return notFound;
      if (listing.ownerId === reporterId) return refusal("CANNOT_REPORT_SELF", "You cannot report a listing of your own.", "listingId");
      return accepted({ subject: "LISTING", targetId: listing.id, memberId: listing.ownerId, listingTitle: listing.title });
    }
    const notFound = refusal("NOT_FOUND", "No member has this id.", "userId");
    if (!isUuid(target.userId)) return notFound;
    if (target.userId === reporterId) return refusal("CANNOT_REPORT_SELF", "You cannot report yourself.", "userId");
    const [member] = await this.users.byIds([target.userId]);
    if (!member || member.deletionRequestedAt) return notFound;
    return accepted({ subject: "MEMBER", targetId: member.id, memberId: member.id, listingTitle: null });
  }

  page(status: ReportRow["status"], first: number, after: string | null): Promise<Connection<ReportRow>> {
    return this.store.page(status, first, after);
  }

  /**
   * resolveReport: one transaction resolving an OPEN report once (REPORT_ALREADY_RESOLVED for the
   * second of two admins), with what the action does (listings' take-down job, or the member's
   * suspension through the suspensions service) and the reporter's notification. A suspension
   * refused (an admin, a member gone) rolls it all back and is answered as data.
   */
  async resolve(adminId: string, id: string, action: Action, note: string): Promise<Outcome<ReportRow>> {
    const text = note.normalize("NFC").trim();
    const problem = textProblem(text, { label: "The note", max: MAX_NOTE, min: 1, multiline: true });
    if (problem) return refusal("INVALID_INPUT", problem, "note");
    const existing = await this.store.byId(id);
    if (!existing) return refusal("NOT_FOUND", "There is no such report.", "id");
    if (action === "HIDE_LISTING" && existing.subject !== "LISTING") return refusal("INVALID_INPUT", "Only a listing's report can take it down.", "action");
    const subject = await this.subjectOf(existing);
    let endedSessions: string[] = [];
    try {
      const resolved = await this.db.transaction(async (tx) => {
        const row = await this.store.resolve(tx, id, { outcome: OUTCOME[action], note: text, resolvedBy: adminId });
        if (!row) throw new Refused(refusal("REPORT_ALREADY_RESOLVED", "This report was already resolved.", "id"));
        if (action === "HIDE_LISTING") await enqueueJob(tx, TASKS.takeDownListing, { listingId: row.targetId, reason: text, reportId: row.id });
        if (action === "SUSPEND_MEMBER") {
          const suspended = await this.suspensions.suspendIn(tx, { adminId, userId: row.memberId, reason: text, until: null, reportId: row.id });
          if (!suspended.ok) throw new Refused({ ...suspended, field: "action" });
          endedSessions = suspended.value.endedSessions;
        }
        // The act concerns the member reported (or the listing's owner), not the reporter: their export must not name who reported them.
        await recordAdminAct(tx, {
          admin: adminId,
          action: "REPORT_RESOLVED",
          subject: { kind: "REPORT", id: row.id },
          members: [row.memberId],
          reason: text,
          details: { action, reportSubject: row.subject, targetId: row.targetId },
        });
        await enqueueJob(tx, TASKS.notify, {
          userId: row.reporterId,
          kind: "REPORT_RESOLVED",
          key: `report:${row.id}`,
          // What came of it and what it was about; never who decided.
          details: { outcome: OUTCOME[action], subject },
        });
        return row;
      });
      await announceSessionsEnded(this.suspensions.events, endedSessions, this.suspensions.accessTokenTtlSeconds);
      return accepted(resolved);
    } catch (e) {
      if (e instanceof Refused) return e.refusal;
      throw e;
    }
  }

  /** What the reporter is told the report was about: the listing's title, or the member's name. */
  private async subjectOf(row: ReportRow): Promise<string> {
    if (row.subject === "LISTING") return row.listingTitle ? `the listing “${row.listingTitle}”` : "a listing";
    const [member] = await this.users.byIds([row.memberId]);
    return member ? `the member ${member.displayName}` : "a member";
  }
}
