import { and, asc, eq, inArray, isNotNull, isNull, sql, type SQL } from "drizzle-orm";
import { isUuid } from "@localex/common";
import { listings, suspendedMembers, type ListingRow, type ListingsDatabase, type Tx } from "../db/schema.ts";
import { bumped, enqueueIndexing } from "../listings/documents.ts";

/**
 * Every statement on a listing's moderation columns. Each write bumps the version and queues the
 * listing's new search snapshot in the same transaction (a hidden listing leaves search as the
 * change commits), and changes only rows not already in the state asked for, so running it again
 * changes nothing and returns nothing.
 */
export class ModerationStore {
  constructor(private readonly db: ListingsDatabase) {}

  transaction<R>(work: (tx: Tx) => Promise<R>): Promise<R> {
    return this.db.transaction(work);
  }

  /** The listing, locked for this change; null for no such listing. */
  async lock(tx: Tx, id: string): Promise<ListingRow | null> {
    if (!isUuid(id)) return null;
    const [row] = await tx.select().from(listings).where(eq(listings.id, id)).for("update");
    return row ?? null;
  }

  /** Takes the listing down, unless it is down already (then null: the first takedown stands). */
  async takeDown(tx: Tx, id: string, reason: string, reportId: string | null): Promise<ListingRow | null> {
    const [row] = await tx
      .update(listings)
      .set({ takenDownAt: new Date(), takenDownReason: reason, takenDownReportId: reportId, ...bumped })
      .where(and(eq(listings.id, id), isNull(listings.takenDownAt)))
      .returning();
    if (row) await enqueueIndexing(tx, [row]);
    return row ?? null;
  }

  /** Lifts the listing's takedown, if it has one (else null). A suspension's hiding stays. */
  async liftTakedown(tx: Tx, id: string): Promise<ListingRow | null> {
    const [row] = await tx
      .update(listings)
      .set({ takenDownAt: null, takenDownReason: null, takenDownReportId: null, ...bumped })
      .where(and(eq(listings.id, id), isNotNull(listings.takenDownAt)))
      .returning();
    if (row) await enqueueIndexing(tx, [row]);
    return row ?? null;
  }

  /**
   * When the member was suspended, or null. Taken in the transaction that creates a listing, with
   * the member's lock shared: a suspension (which holds it exclusively) either committed before,
   * and is seen here, or waits for the new listing to commit, and then hides it with the rest.
   */
  async suspensionOf(tx: Tx, userId: string): Promise<Date | null> {
    await tx.execute(sql`select pg_advisory_xact_lock_shared(hashtext(${memberLockKey(userId)}))`);
    const [row] = await tx.select({ at: suspendedMembers.suspendedAt }).from(suspendedMembers).where(eq(suspendedMembers.userId, userId));
    return row?.at ?? null;
  }

  /** Hides every listing of the suspended member not hidden for it already; the ones hidden now. */
  async hideForSuspension(tx: Tx, ownerId: string): Promise<ListingRow[]> {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${memberLockKey(ownerId)}))`);
    await tx.insert(suspendedMembers).values({ userId: ownerId }).onConflictDoNothing();
    const ids = await lockInIdOrder(tx, and(eq(listings.ownerId, ownerId), isNull(listings.ownerSuspendedAt)));
    if (ids.length === 0) return [];
    const rows = await tx
      .update(listings)
      .set({ ownerSuspendedAt: new Date(), ...bumped })
      .where(and(inArray(listings.id, ids), isNull(listings.ownerSuspendedAt)))
      .returning();
    await enqueueIndexing(tx, rows);
    return rows;
  }

  /** Shows again what the member's suspension hid (a takedown stays); the ones changed now. */
  async showAfterReinstatement(tx: Tx, ownerId: string): Promise<ListingRow[]> {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${memberLockKey(ownerId)}))`);
    await tx.delete(suspendedMembers).where(eq(suspendedMembers.userId, ownerId));
    const ids = await lockInIdOrder(tx, and(eq(listings.ownerId, ownerId), isNotNull(listings.ownerSuspendedAt)));
    if (ids.length === 0) return [];
    const rows = await tx
      .update(listings)
      .set({ ownerSuspendedAt: null, ...bumped })
      .where(and(inArray(listings.id, ids), isNotNull(listings.ownerSuspendedAt)))
      .returning();
    await enqueueIndexing(tx, rows);
    return rows;
  }
}

/** Locked in id order, as trades' reservations lock theirs, so a suspension and a reservation cannot deadlock. */
async function lockInIdOrder(tx: Tx, where: SQL | undefined): Promise<string[]> {
  const rows = await tx.select({ id: listings.id }).from(listings).where(where).orderBy(asc(listings.id)).for("update");
  return rows.map((r) => r.id);
}

/** The lock a suspension holds exclusively and a listing's creation shares, per member. */
function memberLockKey(userId: string): string {
  return `listings:member-suspension:${userId}`;
}
