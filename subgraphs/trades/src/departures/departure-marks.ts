import { eq, inArray, sql } from "drizzle-orm";
import { departures, type TradesDatabase, type Tx } from "../db/schema.ts";

/**
 * The gate between a member leaving and anyone starting a trade with them (issue 20). A member
 * is marked departing (`departures`) under an exclusive lock on them; every transaction that
 * starts something with a member (a proposal, a counter-offer, an accept) reads the marks under
 * a shared lock on both parties. So a departure waits for those already under way (and then
 * sees what they did: an accept in progress is a blocker), and any that begins after it sees
 * the mark and is refused (MEMBER_DEPARTING).
 */
const lockKey = (userId: string) => sql`hashtext(${`trades:member:${userId}`})`;

/** The members among `userIds` who are leaving, read under a shared lock on each for the rest of the transaction. */
export async function departingAmong(tx: Tx, userIds: readonly string[]): Promise<string[]> {
  const ids = [...new Set(userIds)].sort();
  for (const id of ids) await tx.execute(sql`select pg_advisory_xact_lock_shared(${lockKey(id)})`);
  const rows = await tx.select({ userId: departures.userId }).from(departures).where(inArray(departures.userId, ids));
  return rows.map((r) => r.userId);
}

/** Takes the member's lock exclusively for the rest of the transaction: no trade of theirs starts meanwhile. */
export async function lockForDeparture(tx: Tx, userId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${lockKey(userId)})`);
}

/** Whether the member is marked leaving: without a lock a quick answer before any other work (the locked read decides). */
export async function isDeparting(db: TradesDatabase | Tx, userId: string): Promise<boolean> {
  const [row] = await db.select({ userId: departures.userId }).from(departures).where(eq(departures.userId, userId));
  return row !== undefined;
}

/** Marks the member leaving, in the caller's transaction (under their exclusive lock). */
export async function markDeparting(tx: Tx, userId: string): Promise<void> {
  await tx.insert(departures).values({ userId }).onConflictDoNothing();
}

/** Takes the member's mark back; true when there was one. */
export async function unmarkDeparting(db: TradesDatabase, userId: string): Promise<boolean> {
  const removed = await db.delete(departures).where(eq(departures.userId, userId)).returning({ userId: departures.userId });
  return removed.length > 0;
}
