import { sql } from "drizzle-orm";
import type { IdentityTx } from "../db/schema.ts";

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

/** Whether another member has the address, or a confirmed change of another member reserves it for its undo (one statement). */
export async function addressTaken(tx: IdentityTx, email: string, exceptUserId: string | null): Promise<boolean> {
  const [row] = await tx.execute<{ taken: boolean }>(sql`
    select exists (select 1 from identity.users where email = ${email} and id is distinct from ${exceptUserId}::uuid)
      or exists (
        select 1 from identity.email_changes
        where old_email = ${email} and confirmed_at is not null and undone_at is null and undo_expires_at > now()
          and user_id is distinct from ${exceptUserId}::uuid
      ) as taken`);
  return row?.taken === true;
}
