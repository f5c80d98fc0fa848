import { and, asc, eq, sql, type SQL } from "drizzle-orm";
import { decodeInstantCursor, toConnection, type Connection } from "@localex/common";
import { tradeMessages, type TradeMessageRow, type TradesDatabase, type Tx } from "../db/schema.ts";

/** Reads and writes the trades' messages. */
export class MessageStore {
  constructor(private readonly db: TradesDatabase) {}

  /** The author's message on the trade sent with this idempotency key, if any. */
  async sentWithKey(tx: Tx, tradeId: string, authorId: string, key: string): Promise<TradeMessageRow | null> {
    const [row] = await tx
      .select()
      .from(tradeMessages)
      .where(and(eq(tradeMessages.tradeId, tradeId), eq(tradeMessages.authorId, authorId), eq(tradeMessages.clientKey, key)));
    return row ?? null;
  }

  /** Stores a message in the caller's transaction; null when the author's key was already used on the trade. */
  async add(tx: Tx, message: Pick<TradeMessageRow, "tradeId" | "authorId" | "body" | "clientKey">): Promise<TradeMessageRow | null> {
    const [row] = await tx.insert(tradeMessages).values(message).onConflictDoNothing().returning();
    return row ?? null;
  }

  /** Every message the member wrote, oldest first (their export). */
  async writtenBy(authorId: string): Promise<TradeMessageRow[]> {
    return this.db.select().from(tradeMessages).where(eq(tradeMessages.authorId, authorId)).orderBy(asc(tradeMessages.sentAt), asc(tradeMessages.id));
  }

  /** The trade's messages, oldest first (keyset pages on sent_at, id). */
  async page(tradeId: string, first: number, after: string | null): Promise<Connection<TradeMessageRow>> {
    const cursor = decodeInstantCursor(after);
    const ofTrade = eq(tradeMessages.tradeId, tradeId);
    const page: SQL | undefined = cursor ? sql`(${tradeMessages.sentAt}, ${tradeMessages.id}) > (${cursor.at}::timestamptz, ${cursor.id}::uuid)` : undefined;
    const [rows, [count]] = await Promise.all([
      first === 0
        ? Promise.resolve([])
        : this.db
            .select()
            .from(tradeMessages)
            .where(and(ofTrade, page))
            .orderBy(asc(tradeMessages.sentAt), asc(tradeMessages.id))
            .limit(first + 1),
      this.db.select({ n: sql<number>`count(*)::int` }).from(tradeMessages).where(ofTrade),
    ]);
    return toConnection(rows, first, (r) => [r.sentAt.toISOString(), r.id], count?.n ?? 0, cursor !== null);
  }
}
