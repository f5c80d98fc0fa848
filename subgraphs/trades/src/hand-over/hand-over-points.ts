import { eq, inArray, sql } from "drizzle-orm";
import { handOverPoints, type HandOverPointRow, type TradesDatabase, type Tx } from "../db/schema.ts";

/** The trades' hand-over points, for a batch of trades (a DataLoader's). */
export async function handOverPointsOf(db: TradesDatabase, tradeIds: readonly string[]): Promise<HandOverPointRow[]> {
  if (tradeIds.length === 0) return [];
  return db
    .select()
    .from(handOverPoints)
    .where(inArray(handOverPoints.tradeId, [...tradeIds]));
}

/** The points the member is sharing (their export; their departure forgets them). */
export async function pointsSharedBy(db: TradesDatabase, userId: string): Promise<HandOverPointRow[]> {
  return db.select().from(handOverPoints).where(eq(handOverPoints.sharedBy, userId));
}

/** Deletes every point the member shared. */
export async function forgetPointsSharedBy(db: TradesDatabase, userId: string): Promise<void> {
  await db.delete(handOverPoints).where(eq(handOverPoints.sharedBy, userId));
}

/** Shares the point in the caller's transaction, replacing the one the trade had. */
export async function keepHandOverPoint(tx: Tx, point: Omit<HandOverPointRow, "sharedAt">): Promise<void> {
  await tx
    .insert(handOverPoints)
    .values(point)
    .onConflictDoUpdate({ target: handOverPoints.tradeId, set: { ...point, sharedAt: sql`now()` } });
}

/** Deletes the trade's hand-over point in the caller's transaction (the trade is closing); true when there was one. */
export async function forgetHandOverPoint(tx: Tx, tradeId: string): Promise<boolean> {
  const gone = await tx.delete(handOverPoints).where(eq(handOverPoints.tradeId, tradeId)).returning({ tradeId: handOverPoints.tradeId });
  return gone.length > 0;
}
