import { count, eq, sql } from "drizzle-orm";
import {
  accepted,
  auditReason,
  connect,
  database,
  isUuid,
  operatorActor,
  recordAdminAct,
  refusal,
  type AdminAct,
  type Database,
  type Outcome,
} from "@localex/common";
import { schema, users, type UserRow } from "../db/schema.ts";
import { endAllSessions } from "../sessions/ended-sessions.ts";
import { normaliseEmail } from "./validation.ts";

/**
 * Who is an admin. Nobody becomes one by registering: an operator grants the role with
 * `pnpm admin grant <email>` (packages/stack/src/admin.ts), or an admin grants it with the
 * `grantAdmin` mutation. Both come here. The role travels in access tokens, so a change ends
 * every session of the member at once (endAllSessions; the caller announces them, and gateways
 * refuse their tokens from then on): a revoked admin's token cannot outlive the role.
 */

export type Role = UserRow["role"];
export type RoleTarget = { userId: string } | { email: string };
export interface RoleChange {
  user: UserRow;
  /** False when the member already had the role. */
  changed: boolean;
  /** The member's sessions the change ended, to announce (announceSessionsEnded). */
  endedSessions: string[];
}

/** Who changes a role, and why: an admin (their id) or the operator's CLI; recorded in the audit log with the change. */
export interface RoleChangeBy {
  admin: AdminAct["admin"];
  reason: string | null;
}

/**
 * Sets a member's role. Refuses to leave the exchange without any admin (an admin revoking
 * themselves as the last one, say) unless `allowNoAdmins`. Role changes take one transaction-wide
 * lock, so two admins revoking each other at once cannot both pass the check. A refusal names the
 * `userId` argument when the member is named by id (grantAdmin, revokeAdmin).
 */
export async function setRole(
  db: Database<typeof schema>,
  target: RoleTarget,
  role: Role,
  by: RoleChangeBy,
  options: { allowNoAdmins?: boolean } = {},
): Promise<Outcome<RoleChange>> {
  const field = "userId" in target ? "userId" : null;
  const notFound = refusal("NOT_FOUND", "userId" in target ? "No member has this id." : `No member has the email ${normaliseEmail(target.email)}.`, field);
  if ("userId" in target && !isUuid(target.userId)) return notFound;
  return db.transaction(async (tx): Promise<Outcome<RoleChange>> => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('localex:identity:roles'))`);
    const where = "userId" in target ? eq(users.id, target.userId) : eq(users.email, normaliseEmail(target.email));
    const [user] = await tx.select().from(users).where(where).for("update");
    if (!user) return notFound;
    if (user.role === role) return accepted({ user, changed: false, endedSessions: [] });
    if (role !== "admin" && !options.allowNoAdmins) {
      const [admins] = await tx.select({ n: count() }).from(users).where(eq(users.role, "admin"));
      if ((admins?.n ?? 0) <= 1) {
        return refusal("LAST_ADMIN", `${user.email} is the only admin; grant the role to someone else first.`, field);
      }
    }
    const [changed] = await tx.update(users).set({ role, updatedAt: sql`now()` }).where(eq(users.id, user.id)).returning();
    const endedSessions = await endAllSessions(tx, user.id);
    await recordAdminAct(tx, {
      admin: by.admin,
      action: role === "admin" ? "ADMIN_GRANTED" : "ADMIN_REVOKED",
      subject: { kind: "USER", id: user.id },
      members: [user.id],
      reason: by.reason,
      details: {},
    });
    return accepted({ user: changed!, changed: true, endedSessions });
  });
}

/** The stored role of a member, or null when there is no such member. */
export async function roleOf(db: Database<typeof schema>, userId: string): Promise<Role | null> {
  if (!isUuid(userId)) return null;
  const [row] = await db.select({ role: users.role }).from(users).where(eq(users.id, userId));
  return row?.role ?? null;
}

/**
 * For the operator's CLI and the test harness: one role change on the database at `url`, then
 * disconnect. The audit log names the operator (there is no admin user behind it).
 */
export async function setRoleOn(
  url: string,
  target: RoleTarget,
  role: Role,
  options: { allowNoAdmins?: boolean; reason?: string | null } = {},
): Promise<Outcome<RoleChange>> {
  const sql = connect(url, { max: 1, applicationName: "localex-admin" });
  try {
    const reason = auditReason(options.reason);
    if (!reason.ok) return reason;
    return await setRole(database(sql, schema), target, role, { admin: operatorActor("pnpm admin"), reason: reason.value }, options);
  } finally {
    await sql.end({ timeout: 5 });
  }
}
