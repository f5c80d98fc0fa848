import { and, eq, isNull, ne, sql } from "drizzle-orm";
import { enqueueJob, TASKS } from "@localex/common";
import { refreshTokens, users, type IdentityTx, type UserRow } from "../db/schema.ts";

/**
 * Sets a member's new password (already hashed), in the caller's transaction with the member's
 * row locked: every session but `keepSession` ends (its refresh tokens revoked) and the notice
 * that the password changed is queued. Returns the member and the sessions it ended, to announce
 * once the transaction commits (announceSessionsEnded). changePassword keeps the asking session;
 * resetPassword keeps none.
 */
export async function replacePassword(
  tx: IdentityTx,
  userId: string,
  newHash: string,
  keepSession: string | null,
): Promise<{ user: UserRow; endedSessions: string[] }> {
  const [user] = await tx.update(users).set({ passwordHash: newHash, updatedAt: sql`now()` }).where(eq(users.id, userId)).returning();
  const revoked = await tx
    .update(refreshTokens)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt), keepSession ? ne(refreshTokens.familyId, keepSession) : undefined))
    .returning({ familyId: refreshTokens.familyId });
  await enqueueJob(tx, TASKS.sendPasswordEmail, { userId, kind: "changed", at: new Date().toISOString() });
  return { user: user!, endedSessions: [...new Set(revoked.map((t) => t.familyId))] };
}
