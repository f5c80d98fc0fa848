import { asc, eq } from "drizzle-orm";
import { ADMIN_ACTIONS, type AdminActRow, type MemberRecordSection } from "@localex/common";
import { AdminAuditStore } from "../audit/admin-audit.store.ts";
import {
  emailChanges,
  notificationPreferences,
  notifications,
  pushSubscriptions,
  refreshTokens,
  reports,
  suspensions,
  users,
  verificationRequests,
  type schema,
} from "../db/schema.ts";
import type { Database } from "@localex/common";

/** identity's section of a member's data export: the profile and everything kept about the account. */
export async function identitySection(db: Database<typeof schema>, userId: string): Promise<MemberRecordSection> {
  const [user] = await db.select().from(users).where(eq(users.id, userId));
  const [inbox, preferences, push, sessions, requests, addressChanges, suspended, reported, acts] = await Promise.all([
    db.select().from(notifications).where(eq(notifications.userId, userId)).orderBy(asc(notifications.createdAt)),
    db.select().from(notificationPreferences).where(eq(notificationPreferences.userId, userId)),
    db.select().from(pushSubscriptions).where(eq(pushSubscriptions.userId, userId)),
    db.select().from(refreshTokens).where(eq(refreshTokens.userId, userId)).orderBy(asc(refreshTokens.createdAt)),
    db.select().from(verificationRequests).where(eq(verificationRequests.userId, userId)).orderBy(asc(verificationRequests.submittedAt)),
    db.select().from(emailChanges).where(eq(emailChanges.userId, userId)).orderBy(asc(emailChanges.requestedAt)),
    db.select().from(suspensions).where(eq(suspensions.userId, userId)).orderBy(asc(suspensions.createdAt)),
    db.select().from(reports).where(eq(reports.reporterId, userId)).orderBy(asc(reports.createdAt)),
    new AdminAuditStore(db).concerning(userId),
  ]);
  return {
    name: "profile",
    about:
      "Your account: profile, sign-ins, notifications and their settings, verification requests, suspensions, the reports you sent, and what administrators did concerning you.",
    fields: {
      "account.email": "The address you signed up with.",
      "account.displayName": "The name others see.",
      "account.handle": "Your public handle (@handle), if you chose one.",
      "account.bio": "What you wrote about yourself on your profile.",
      "account.area": "The area you trade in, as you put it.",
      "account.role": "user or admin.",
      "account.emailVerified": "Whether you answered the link mailed at registration.",
      "account.verified": "Whether an admin approved your documents.",
      "sessions[]": "Each sign-in (refresh-token rotation): when it started, when it expires, when it was used or revoked. No token is included.",
      "notifications[]": "Your inbox: kind, message, the trade it is about, when you read it.",
      "notificationPreferences[]": "Per kind, whether email and push are on (kinds not listed use the defaults).",
      "pushSubscriptions[]": "Browsers that receive your push notifications (their endpoints).",
      "emailChanges[]": "Each change of email address you asked for: from and to, when it was asked for, confirmed, undone or replaced by a newer one.",
      "verificationRequests[]": "Your requests to be verified: status, reason, dates (the documents themselves are in the media section while kept).",
      "suspensions[]": "Each suspension of your account: why, until when, when it started and when it was lifted (not who decided).",
      "reports[]": "The reports you sent: of a listing or member (its id), reason, details, status and outcome (not who resolved them).",
      "adminActs[]":
        "What an administrator (or the operator) did concerning you, from the admin audit log: when, what, on what (subject), why (reason) and details. Who acted is given as a role, not a name.",
    },
    records: {
      account: user
        ? {
            id: user.id,
            email: user.email,
            displayName: user.displayName,
            handle: user.handle,
            bio: user.bio,
            area: user.area,
            role: user.role,
            emailVerified: user.emailVerified,
            verified: user.verified,
            createdAt: user.createdAt.toISOString(),
          }
        : null,
      sessions: sessions.map((t) => ({
        sessionId: t.familyId,
        createdAt: t.createdAt.toISOString(),
        expiresAt: t.expiresAt.toISOString(),
        usedAt: t.usedAt?.toISOString() ?? null,
        revokedAt: t.revokedAt?.toISOString() ?? null,
      })),
      notifications: inbox.map((n) => ({
        id: n.id,
        kind: n.kind,
        message: n.message,
        tradeId: n.tradeId,
        readAt: n.readAt?.toISOString() ?? null,
        createdAt: n.createdAt.toISOString(),
      })),
      notificationPreferences: preferences.map((p) => ({ kind: p.kind, email: p.email, push: p.push })),
      pushSubscriptions: push.map((p) => ({ endpoint: p.endpoint, createdAt: p.createdAt.toISOString() })),
      emailChanges: addressChanges.map((c) => ({
        oldEmail: c.oldEmail,
        newEmail: c.newEmail,
        requestedAt: c.requestedAt.toISOString(),
        confirmedAt: c.confirmedAt?.toISOString() ?? null,
        undoneAt: c.undoneAt?.toISOString() ?? null,
        supersededAt: c.supersededAt?.toISOString() ?? null,
      })),
      verificationRequests: requests.map((r) => ({
        id: r.id,
        status: r.status,
        reason: r.reason,
        submittedAt: r.submittedAt.toISOString(),
        decidedAt: r.decidedAt?.toISOString() ?? null,
      })),
      suspensions: suspended.map((x) => ({
        reason: x.reason,
        until: x.until?.toISOString() ?? null,
        createdAt: x.createdAt.toISOString(),
        liftedAt: x.liftedAt?.toISOString() ?? null,
      })),
      reports: reported.map((r) => ({
        id: r.id,
        subject: r.subject,
        targetId: r.targetId,
        reason: r.reason,
        details: r.details,
        status: r.status,
        outcome: r.outcome,
        createdAt: r.createdAt.toISOString(),
        resolvedAt: r.resolvedAt?.toISOString() ?? null,
      })),
      adminActs: acts.map(asMembersRecord),
    },
  };
}

/**
 * An audit entry as the member it concerns sees it: the act and why, the actor as a role only
 * (docs/privacy.md, "Admin acts in the export": naming an administrator to every member they
 * act on would expose staff; the member can ask the exchange who it was).
 */
function asMembersRecord(act: AdminActRow) {
  const words = Object.hasOwn(ADMIN_ACTIONS, act.action) ? ADMIN_ACTIONS[act.action] : act.action;
  const by = act.adminId ? "An administrator" : "The operator";
  return {
    at: act.at.toISOString(),
    action: act.action,
    what: `${by} ${words}.`,
    by: by.toLowerCase(),
    subject: { kind: act.subjectKind, id: act.subjectId },
    reason: act.reason,
    details: act.details,
  };
}
