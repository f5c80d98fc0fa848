import { eq, inArray } from "drizzle-orm";
import { handOverPoints, type HandOverPointRow, type TradesDatabase, type Tx } from "../db/schema.ts";

/** The trades' hand-over points, for a batch of trades (a DataLoader's). */
export async function handOverPointsOf(db: TradesDatabase, tradeIds: readonly string[]): Promise<HandOverPointRow[]> {
  if (tradeIds.length === 0) return [];
  return db.select().from(handOverPoints).where(inArray(handOverPoints.tradeId, [...tradeIds]));
}

/** Deletes the trade's hand-over point in the caller's transaction (the trade is closing); true when there was one. */
export async function forgetHandOverPoint(tx: Tx, tradeId: string): Promise<boolean> {
  const gone = await tx.delete(handOverPoints).where(eq(handOverPoints.tradeId, tradeId)).returning({ tradeId: handOverPoints.tradeId });
  return gone.length > 0;
}
