import {
  accepted,
  enqueueJob,
  idempotencyKeyProblem,
  isUuid,
  refusal,
  TASKS,
  textProblem,
  type Caller,
  type Connection,
  type Logger,
  type Outcome,
} from "@localex/common";
import type { TradeMessageRow, TradeRow, Tx } from "../db/schema.ts";
import { isClosed, isParty, otherParty, refusalOf, refuse } from "../trades/rules.ts";
import type { TradeStore } from "../trades/trade.store.ts";
import type { MessageStore } from "./message.store.ts";

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
    private readonly messages: MessageStore,
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
      const row = await this.store.lockShared(tx, tradeId);
      if (!row || !isParty(row, caller.userId)) return refuse.notFound("tradeId");
      const earlier = key === null ? null : await this.messages.sentWithKey(tx, row.id, caller.userId, key);
      if (earlier) return earlier.body === text ? accepted(earlier) : conflict();
      if (isClosed(row)) return refuse.closed(row);
      const message = await this.messages.add(tx, { tradeId: row.id, authorId: caller.userId, body: text, clientKey: key });
      if (!message) {
        // The same key, sent at the same moment, committed first: answer as its replay.
        const first = await this.messages.sentWithKey(tx, row.id, caller.userId, key!);
        return first && first.body === text ? accepted(first) : conflict();
      }
      await this.tellCounterpart(tx, row, caller.userId, message);
      this.store.announceAfterCommit(tx, row);
      return accepted(message);
    });
  }

  /** The trade's messages, oldest first (keyset pages on sent_at, id). The caller decides who may read. */
  async page(trade: TradeRow, first: number, after: string | null, readBy: Caller): Promise<Connection<TradeMessageRow>> {
    const page = await this.messages.page(trade.id, first, after);
    if (!isParty(trade, readBy.userId)) this.log.info({ adminId: readBy.userId, tradeId: trade.id }, "an administrator read a disputed trade's messages");
    return page;
  }

  /** The counterpart's notification (TRADE_MESSAGE), per message; identity keeps one unread per trade. */
  private async tellCounterpart(tx: Tx, trade: TradeRow, authorId: string, message: TradeMessageRow): Promise<void> {
    const userId = otherParty(trade, authorId);
    await enqueueJob(tx, TASKS.notify, { userId, kind: "TRADE_MESSAGE", key: `trade-message:${message.id}`, tradeId: trade.id });
  }
}

const conflict = () => refusal("IDEMPOTENCY_CONFLICT", "This idempotency key was already used for another message on this trade.", "idempotencyKey");
