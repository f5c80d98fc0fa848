import { and, eq, gt, isNotNull, isNull, ne, sql } from "drizzle-orm";
import { emailChanges, users, type IdentityTx } from "../db/schema.ts";

/**
 * Who may hold an address. The unique index on users.email keeps two accounts off one address;
 * besides it, a confirmed email change keeps its old address reserved until its undo link
 * expires (EMAIL_CHANGE_UNDO_TTL_SECONDS), so the undo can always give it back: nobody else
 * registers with it or moves to it meanwhile. Every claim of an address (register, changeEmail,
 * its confirmation, an undo) takes the address's transaction-level advisory lock first, so a
 * claim and a reservation made at once are seen one after the other.
 */
export async function lockAddress(tx: IdentityTx, email: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`identity:email:${email}`}, 0))`);
}

/** Whether another member has the address, or a confirmed change of another member reserves it for its undo. */
export async function addressTaken(tx: IdentityTx, email: string, exceptUserId: string | null): Promise<boolean> {
  const [held] = await tx
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.email, email), exceptUserId ? ne(users.id, exceptUserId) : undefined))
    .limit(1);
  if (held) return true;
  const [reserved] = await tx
    .select({ id: emailChanges.id })
    .from(emailChanges)
    .where(
      and(
        eq(emailChanges.oldEmail, email),
        isNotNull(emailChanges.confirmedAt),
        isNull(emailChanges.undoneAt),
        gt(emailChanges.undoExpiresAt, sql`now()`),
        exceptUserId ? ne(emailChanges.userId, exceptUserId) : undefined,
      ),
    )
    .limit(1);
  return reserved !== undefined;
}
