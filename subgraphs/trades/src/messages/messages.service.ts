import { and, asc, eq, sql, type SQL } from "drizzle-orm";
import { accepted, decodeInstantCursor, enqueueJob, idempotencyKeyProblem, isUuid, refusal, TASKS, textProblem, toConnection, type Caller, type Connection, type Logger, type Outcome } from "@localex/common";
import { tradeMessages, trades, type TradeMessageRow, type TradeRow, type Tx } from "../db/schema.ts";
import { isClosed, isParty, otherParty, refusalOf, refuse } from "../trades/rules.ts";
import type { TradeStore } from "../trades/trade.store.ts";

export const MAX_BODY = 2000;

/**
 * The two parties of a trade talking (issue 22), from the proposal until the trade closes.
 * A message is stored, the counterpart's notification job enqueued (identity collapses a
 * burst into one unread notification per trade) and the trade announced on `tradeUpdated`,
 * all in one transaction, the announcement after it commits.
 */
export class MessagesService {
  constructor(
    private readonly store: TradeStore,
    private readonly log: Logger,
  ) {}

  async send(caller: Caller, tradeId: string, body: string, idempotencyKey: string | null | undefined): Promise<Outcome<TradeMessageRow>> {
    const text = body.normalize("NFC").trim();
    const problem = textProblem(text, { label: "The message", max: MAX_BODY, min: 1, multiline: true });
    if (problem) return refusal("INVALID_INPUT", problem, "body");
    const key = idempotencyKey == null ? null : idempotencyKey.trim();
    const keyProblem = key === null ? null : idempotencyKeyProblem(key);
    if (keyProblem) return refusalOf(keyProblem);
    if (!isUuid(tradeId)) return refuse.notFound("tradeId");

    return this.store.transaction(async (tx): Promise<Outcome<TradeMessageRow>> => {
      // Shared: messages go side by side, and the transaction that closes the trade waits for them (or they see it closed).
      const [row] = await tx.select().from(trades).where(eq(trades.id, tradeId)).for("share");
      if (!row || !isParty(row, caller.userId)) return refuse.notFound("tradeId");
      const earlier = key === null ? null : await sentWithKey(tx, row.id, caller.userId, key);
      if (earlier) return earlier.body === text ? accepted(earlier) : conflict();
      if (isClosed(row)) return refuse.closed(row);
      const [message] = await tx
        .insert(tradeMessages)
        .values({ tradeId: row.id, authorId: caller.userId, body: text, clientKey: key })
        .onConflictDoNothing()
        .returning();
      if (!message) {
        // The same key, sent at the same moment, committed first: answer as its replay.
        const first = await sentWithKey(tx, row.id, caller.userId, key!);
        return first && first.body === text ? accepted(first) : conflict();
      }
      await this.tellCounterpart(tx, row, caller.userId, message);
      this.store.announceAfterCommit(tx, row);
      return accepted(message);
    });
  }

  /** The trade's messages, oldest first (keyset pages on sent_at, id). The caller decides who may read. */
  async page(trade: TradeRow, first: number, after: string | null, readBy: Caller): Promise<Connection<TradeMessageRow>> {
    const cursor = decodeInstantCursor(after);
    if (!isParty(trade, readBy.userId)) this.log.info({ adminId: readBy.userId, tradeId: trade.id }, "an administrator read a disputed trade's messages");
    const ofTrade = eq(tradeMessages.tradeId, trade.id);
    const page: SQL | undefined = cursor ? sql`(${tradeMessages.sentAt}, ${tradeMessages.id}) > (${cursor.at}::timestamptz, ${cursor.id}::uuid)` : undefined;
    const [rows, [count]] = await Promise.all([
      first === 0
        ? Promise.resolve([])
        : this.store.db.select().from(tradeMessages).where(and(ofTrade, page)).orderBy(asc(tradeMessages.sentAt), asc(tradeMessages.id)).limit(first + 1),
      this.store.db.select({ n: sql<number>`count(*)::int` }).from(tradeMessages).where(ofTrade),
    ]);
    return toConnection(rows, first, (r) => [r.sentAt.toISOString(), r.id], count?.n ?? 0, cursor !== null);
  }

  /** The counterpart's notification (TRADE_MESSAGE), per message; identity keeps one unread per trade. */
  private async tellCounterpart(tx: Tx, trade: TradeRow, authorId: string, message: TradeMessageRow): Promise<void> {
    const userId = otherParty(trade, authorId);
    await enqueueJob(tx, TASKS.notify, { userId, kind: "TRADE_MESSAGE", key: `trade-message:${message.id}`, tradeId: trade.id });
  }
}

async function sentWithKey(tx: Tx, tradeId: string, authorId: string, key: string): Promise<TradeMessageRow | null> {
  const [row] = await tx
    .select()
    .from(tradeMessages)
    .where(and(eq(tradeMessages.tradeId, tradeId), eq(tradeMessages.authorId, authorId), eq(tradeMessages.clientKey, key)));
  return row ?? null;
}

const conflict = () => refusal("IDEMPOTENCY_CONFLICT", "This idempotency key was already used for another message on this trade.", "idempotencyKey");
