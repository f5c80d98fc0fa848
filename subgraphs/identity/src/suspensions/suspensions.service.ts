import { accepted, enqueueJob, isUuid, recordAdminAct, refusal, TASKS, textProblem, type Database, type EventBus, type Outcome } from "@localex/common";
import type { IdentityTx, schema, SuspensionRow, UserRow } from "../db/schema.ts";
import { announceSessionsEnded, endAllSessions } from "../sessions/ended-sessions.ts";
import { SuspensionsStore } from "./suspensions.store.ts";

export const MAX_REASON = 500;

export interface SuspensionChange {
  user: UserRow;
  /** The suspension stored, or the one lifted. */
  suspension: SuspensionRow;
}

/** What suspending needs besides the member: why, until when (null: until lifted), by whom, for which report. */
export interface SuspensionOrder {
  adminId: string;
  userId: string;
  reason: string;
  until: Date | null;
  reportId?: string | null;
}

/**
 * Suspending and reinstating members (issue 23). Each act is one transaction: the suspension row,
 * every session of the member ended (their tokens carry the suspension, so a new one must be
 * issued: at sign-in or refresh, with the claim as stored), listings' job hiding or showing the
 * member's listings, and the member's notification. The sessions' end is announced once it has
 * committed, before the act is answered, so the member's very next request with an old token is
 * refused. A suspension with an end lapses by itself (a suspension is in force while not lifted
 * and its end is ahead); listings' showing job is scheduled for that end.
 */
export class SuspensionsService {
  readonly store: SuspensionsStore;

  constructor(
    private readonly db: Database<typeof schema>,
    /** For announcing the sessions a suspension ended (resolveReport announces its own the same way). */
    readonly events: EventBus,
    readonly accessTokenTtlSeconds: number,
  ) {
    this.store = new SuspensionsStore(db);
  }

  /** suspendMember: one transaction, then the sessions' end announced. */
  async suspend(order: SuspensionOrder): Promise<Outcome<SuspensionChange>> {
    const checked = checkOrder(order);
    if (!checked.ok) return checked;
    const done = await this.db.transaction((tx) => this.suspendIn(tx, checked.value));
    if (done.ok) await announceSessionsEnded(this.events, done.value.endedSessions, this.accessTokenTtlSeconds);
    return done.ok ? accepted({ user: done.value.user, suspension: done.value.suspension }) : done;
  }

  /**
   * Suspends inside the caller's transaction (suspendMember's own, or resolveReport's), returning
   * the sessions it ended for the caller to announce after commit. The order must be checked
   * (`checkOrder`). Refuses a member who does not exist or is leaving (NOT_FOUND), oneself and
   * admins (CANNOT_SUSPEND).
   */
  async suspendIn(tx: IdentityTx, order: SuspensionOrder): Promise<Outcome<SuspensionChange & { endedSessions: string[] }>> {
    if (!isUuid(order.userId)) return notFound;
    const user = await this.store.lockMember(tx, order.userId);
    if (!user || user.deletionRequestedAt) return notFound;
    if (user.id === order.adminId) return refusal("CANNOT_SUSPEND", "You cannot suspend yourself.", "userId");
    if (user.role === "admin") return refusal("CANNOT_SUSPEND", "Administrators cannot be suspended; revoke the role first.", "userId");
    const suspension = await this.store.suspend(tx, {
      userId: user.id,
      reason: order.reason,
      until: order.until,
      suspendedBy: order.adminId,
      reportId: order.reportId ?? null,
    });
    const endedSessions = await endAllSessions(tx, user.id);
    await recordAdminAct(tx, {
      admin: order.adminId,
      action: "MEMBER_SUSPENDED",
      subject: { kind: "USER", id: user.id },
      members: [user.id],
      reason: suspension.reason,
      details: { until: suspension.until?.toISOString() ?? null, reportId: suspension.reportId ?? null },
    });
    await enqueueJob(tx, TASKS.notify, {
      userId: user.id,
      kind: "MEMBER_SUSPENDED",
      key: `suspension:${suspension.id}`,
      // Why, and until when; never who decided it.
      details: { reason: suspension.reason, ...(suspension.until ? { until: suspension.until.toISOString() } : {}) },
    });
    return accepted({ user, suspension, endedSessions });
  }

  /** reinstateMember: lifts the suspension in force (NOT_SUSPENDED when none is), one transaction, then the sessions' end announced. */
  async reinstate(adminId: string, userId: string): Promise<Outcome<SuspensionChange>> {
    if (!isUuid(userId)) return notFound;
    const done = await this.db.transaction(async (tx): Promise<Outcome<SuspensionChange & { endedSessions: string[] }>> => {
      const user = await this.store.lockMember(tx, userId);
      if (!user || user.deletionRequestedAt) return notFound;
      const current = await this.store.inForceOf(tx, user.id);
      if (!current) return refusal("NOT_SUSPENDED", "This member is not suspended.", "userId");
      const lifted = await this.store.lift(tx, current.id, user.id, adminId);
      if (!lifted) return refusal("NOT_SUSPENDED", "This member is not suspended.", "userId");
      const endedSessions = await endAllSessions(tx, user.id);
      await recordAdminAct(tx, {
        admin: adminId,
        action: "MEMBER_REINSTATED",
        subject: { kind: "USER", id: user.id },
        members: [user.id],
        reason: null,
        details: {},
      });
      await enqueueJob(tx, TASKS.notify, { userId: user.id, kind: "MEMBER_REINSTATED", key: `reinstated:${lifted.id}` });
      return accepted({ user, suspension: lifted, endedSessions });
    });
    if (done.ok) await announceSessionsEnded(this.events, done.value.endedSessions, this.accessTokenTtlSeconds);
    return done.ok ? accepted({ user: done.value.user, suspension: done.value.suspension }) : done;
  }

  /** The suspensions in force of these members (for User.suspension and the tokens issued at sign-in and refresh). */
  inForceFor(userIds: readonly string[]): Promise<SuspensionRow[]> {
    return this.store.inForceFor(userIds);
  }
}

const notFound = refusal("NOT_FOUND", "No member has this id.", "userId");

/** The reason (1 to MAX_REASON characters, trimmed) and an end in the future, or the refusal naming the argument at fault. */
export function checkOrder(order: SuspensionOrder, now: Date = new Date()): Outcome<SuspensionOrder> {
  const reason = order.reason.normalize("NFC").trim();
  const problem = textProblem(reason, { label: "The reason", max: MAX_REASON, min: 1, multiline: true });
  if (problem) return refusal("INVALID_INPUT", problem, "reason");
  if (order.until && order.until.getTime() <= now.getTime()) {
    return refusal("INVALID_INPUT", "`until` must be in the future (leave it out to suspend until you reinstate the member).", "until");
  }
  return accepted({ ...order, reason });
}
