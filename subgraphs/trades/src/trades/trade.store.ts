import { and, asc, desc, eq, inArray, isNotNull, isNull, lte, or, sql, type SQL } from "drizzle-orm";
import { randomUUID } from "node:crypto";
import DataLoader from "dataloader";
import {
  afterCommit,
  anyOfKeys,
  decodeInstantCursor,
  readByKeys,
  isUuid,
  retryDatabaseWork,
  TOPICS,
  toConnection,
  unitOfWork,
  type Connection,
  type EventBus,
} from "@localex/common";
import {
  tradeEvents,
  trades,
  type TradeEventKindName,
  type TradeEventRow,
  type TradeRow,
  type TradesDatabase,
  type TradeStatusName,
  type Tx,
} from "../db/schema.ts";
import { disputeOpening } from "../disputes/claims.ts";
import { forgetHandOverPoint } from "../hand-over/hand-over-points.ts";
import { notifyParties } from "./notifications.ts";

/** Column values for an update; SQL where the database's clock must decide (leases). */
export type TradeChange = { [K in keyof TradeRow]?: TradeRow[K] | SQL };

export interface EventRecord {
  kind: TradeEventKindName;
  actorId: string | null;
  note?: string | null;
  /** What the parties' notification says beyond the kind (not stored on the event): a resolving admin's reason. */
  reason?: string | null;
}

/** A new trade's columns. */
export type NewTrade = typeof trades.$inferInsert;

const partyTo = (userId: string) => or(eq(trades.proposerId, userId), eq(trades.recipientId, userId));

/** The events that close a trade (rules.ts CLOSED). */
const CLOSING_EVENTS = new Set<TradeEventKindName>(["DECLINED", "CANCELLED", "EXPIRED", "COMPLETED", "RESOLVED"]);

/** Reads and writes trade rows and their history; every change is recorded as an event. */
export class TradeStore {
  /** Built and prepared once: every entity fetch of a Trade and every page of events reads through them (anyOfKeys). */
  private readonly reads;

  constructor(
    readonly db: TradesDatabase,
    private readonly events: EventBus,
  ) {
    this.reads = {
      byIds: readByKeys(db.select().from(trades).where(anyOfKeys(trades.id, "uuid")).prepare("trades_by_ids")),
      eventsOf: readByKeys(db.select().from(tradeEvents).where(anyOfKeys(tradeEvents.tradeId, "uuid")).orderBy(asc(tradeEvents.id)).prepare("trade_events_of")),
    };
  }

  byIds(ids: readonly string[]): Promise<TradeRow[]> {
    return this.reads.byIds(ids);
  }

  async byId(id: string): Promise<TradeRow | null> {
    const [row] = await this.byIds([id]);
    return row ?? null;
  }

  /**
   * A trade as it is now, for live subscriptions: every subscriber of one change asks at the same
   * moment, so reads in one tick go out as one statement (never cached: each event reads anew).
   */
  readonly current = new DataLoader<string, TradeRow | null>(
    async (ids) => {
      const rows = await this.byIds(ids);
      return ids.map((id) => rows.find((r) => r.id === id) ?? null);
    },
    { cache: false },
  );

  eventsOf(tradeIds: readonly string[]): Promise<TradeEventRow[]> {
    return this.reads.eventsOf(tradeIds);
  }

  /** The user's trades, newest first, as a keyset-paginated connection. */
  async pageForUser(userId: string, status: TradeStatusName | null, first: number, after: string | null): Promise<Connection<TradeRow>> {
    const cursor = decodeInstantCursor(after);
    const mine = partyTo(userId);
    const filter = and(mine, status ? eq(trades.status, status) : undefined);
    const page: SQL | undefined = cursor ? sql`(${trades.createdAt}, ${trades.id}) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)` : undefined;
    const [rows, [count]] = await Promise.all([
      this.db
        .select()
        .from(trades)
        .where(and(filter, page))
        .orderBy(desc(trades.createdAt), desc(trades.id))
        .limit(first + 1),
      this.db.select({ n: sql<number>`count(*)::int` }).from(trades).where(filter),
    ]);
    return toConnection(rows, first, (r) => [r.createdAt.toISOString(), r.id], count?.n ?? 0, cursor !== null);
  }

  /** The member's trades, oldest first (their export). */
  async ofParty(userId: string): Promise<TradeRow[]> {
    return this.db.select().from(trades).where(partyTo(userId)).orderBy(asc(trades.createdAt));
  }

  /** The member's trades in one of `statuses` or in the middle of a step, oldest first, in `executor` (a transaction's, to see its locks' world). */
  async ofPartyInOrMidStep(
    userId: string,
    statuses: readonly TradeStatusName[],
    executor: TradesDatabase | Tx = this.db,
  ): Promise<{ id: string; status: TradeStatusName }[]> {
    return executor
      .select({ id: trades.id, status: trades.status })
      .from(trades)
      .where(and(partyTo(userId), or(inArray(trades.status, [...statuses]), isNotNull(trades.saga))))
      .orderBy(asc(trades.createdAt));
  }

  /** The ids of the member's trades in one of `statuses`, oldest first. */
  async idsOfPartyIn(userId: string, statuses: readonly TradeStatusName[]): Promise<string[]> {
    const rows = await this.db
      .select({ id: trades.id })
      .from(trades)
      .where(and(partyTo(userId), inArray(trades.status, [...statuses])))
      .orderBy(asc(trades.createdAt), asc(trades.id));
    return rows.map((r) => r.id);
  }

  /** Locks the trade for the rest of the transaction. */
  async lock(tx: Tx, id: string): Promise<TradeRow | null> {
    if (!isUuid(id)) return null;
    const [row] = await tx.select().from(trades).where(eq(trades.id, id)).for("update");
    return row ?? null;
  }

  /**
   * Locks the trade shared for the rest of the transaction: work beside it (messages, a
   * hand-over point) goes side by side, and a transaction that changes the trade waits for it.
   */
  async lockShared(tx: Tx, id: string): Promise<TradeRow | null> {
    if (!isUuid(id)) return null;
    const [row] = await tx.select().from(trades).where(eq(trades.id, id)).for("share");
    return row ?? null;
  }

  /** The trade the proposer made with this idempotency key, if any. */
  async byProposeKey(proposerId: string, key: string): Promise<TradeRow | null> {
    const [row] = await this.db
      .select()
      .from(trades)
      .where(and(eq(trades.proposerId, proposerId), eq(trades.proposeKey, key)));
    return row ?? null;
  }

  /** Adds a trade in the caller's transaction; null when the proposer already used its key (that trade stands). */
  async create(tx: Tx, values: NewTrade): Promise<TradeRow | null> {
    const [row] = await tx
      .insert(trades)
      .values(values)
      .onConflictDoNothing({ target: [trades.proposerId, trades.proposeKey] })
      .returning();
    return row ?? null;
  }

  /**
   * A decision about one locked trade, in a transaction run again after a lost connection or a
   * conflict. `run` passes `changeId` to `change`; when a later run finds the trade last changed
   * with it, an earlier run committed and only its answer was lost, and `committedEarlier`
   * answers from the trade as it is now, instead of deciding again against its own change.
   */
  decide<R>(id: string, run: (tx: Tx, row: TradeRow | null, changeId: string) => Promise<R>, committedEarlier: (row: TradeRow) => R): Promise<R> {
    const changeId = randomUUID();
    return retryDatabaseWork(() =>
      this.transaction(async (tx) => {
        const row = await this.lock(tx, id);
        if (row && row.lastChangeId === changeId) {
          // The earlier run's announcement went with its lost answer: this one makes it.
          this.announceAfterCommit(tx, row);
          return committedEarlier(row);
        }
        return run(tx, row, changeId);
      }),
    );
  }

  /**
   * A transaction on the trades' tables: every trade changed (`change`) or given an event
   * (`record`) in it is announced to live subscribers once it commits, never before and never
   * by hand.
   */
  transaction<R>(work: (tx: Tx) => Promise<R>): Promise<R> {
    return unitOfWork<Tx, R>((w) => this.db.transaction(w), work);
  }

  /** Changes a locked trade and records why, in the caller's transaction. */
  async change(tx: Tx, id: string, set: TradeChange, event: EventRecord | null, changeId: string | null = null): Promise<TradeRow> {
    const [row] = await tx
      .update(trades)
      .set({ ...set, updatedAt: sql`now()`, lastChangeId: changeId })
      .where(eq(trades.id, id))
      .returning();
    if (!row) throw new Error(`trade ${id} vanished inside its own transaction`);
    this.announceAfterCommit(tx, row);
    if (event) await this.record(tx, row, event);
    return row;
  }

  /**
   * Adds to the trade's history, and tells its parties (notifyParties), in the caller's
   * transaction. Every way a trade closes records its event here, so the hand-over point goes
   * with the same transaction.
   */
  async record(tx: Tx, trade: Pick<TradeRow, "id" | "proposerId" | "recipientId">, event: EventRecord): Promise<void> {
    const [recorded] = await tx
      .insert(tradeEvents)
      .values({ tradeId: trade.id, kind: event.kind, actorId: event.actorId, note: event.note ?? null })
      .returning({ id: tradeEvents.id });
    if (CLOSING_EVENTS.has(event.kind)) await forgetHandOverPoint(tx, trade.id);
    await notifyParties(tx, trade, recorded!.id, event);
    this.announceAfterCommit(tx, trade);
  }

  /** ACCEPTED trades past their confirmation deadline and not mid-step (one, or all), → DISPUTED with `reason`. */
  async disputeOverdue(tx: Tx, reason: string, tradeId?: string): Promise<TradeRow[]> {
    return tx
      .update(trades)
      .set({ ...disputeOpening(reason, null), updatedAt: sql`now()` })
      .where(and(tradeId ? eq(trades.id, tradeId) : undefined, eq(trades.status, "ACCEPTED"), isNull(trades.saga), lte(trades.confirmBy, sql`now()`)))
      .returning();
  }

  /** Open trades past their time and not mid-step (one, or all), → EXPIRED. */
  async expireDue(tx: Tx, open: readonly TradeStatusName[], tradeId?: string): Promise<TradeRow[]> {
    return tx
      .update(trades)
      .set({ status: "EXPIRED", turnUserId: null, updatedAt: sql`now()` })
      .where(and(tradeId ? eq(trades.id, tradeId) : undefined, inArray(trades.status, [...open]), isNull(trades.saga), lte(trades.expiresAt, sql`now()`)))
      .returning();
  }

  /**
   * Once `tx` commits: tells live subscribers of the trade and of both parties (never waits on
   * them). For what changes a trade without changing its row (a message, a hand-over point).
   */
  announceAfterCommit(tx: Tx, row: Pick<TradeRow, "id" | "proposerId" | "recipientId">): void {
    afterCommit(tx, `trade:${row.id}`, () => {
      const payload = { id: row.id };
      for (const topic of [TOPICS.trade(row.id), TOPICS.userTrades(row.proposerId), TOPICS.userTrades(row.recipientId)]) {
        this.events.publish(topic, payload);
      }
    });
  }
}
