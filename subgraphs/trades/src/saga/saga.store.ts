import { and, eq, inArray, isNotNull, lt, or, sql, type SQL } from "drizzle-orm";
import { trades, type SagaName, type StoredUserError, type TradeRow, type TradesDatabase, type Tx } from "../db/schema.ts";
import type { TradeChange } from "../trades/trade.store.ts";

/** When a saga's lease taken now runs out, by the database's clock. */
export function leaseEnd(seconds: number): SQL {
  return sql`now() + make_interval(secs => ${seconds})`;
}

/**
 * The statements on a trade's saga columns (saga.driver.ts): who holds its lease, until when,
 * and its end. Only the lease's holder changes them; a saga's start goes with the change that
 * decides it (TradeStore.change), its end's event with TradeStore.record.
 */
export class SagaStore {
  constructor(private readonly db: TradesDatabase) {}

  /** Trades with a saga whose lease ran out (every saga, when `ignoreLeases`). */
  async sagasToRecover(ignoreLeases: boolean): Promise<string[]> {
    const rows = await this.db
      .select({ id: trades.id })
      .from(trades)
      .where(and(isNotNull(trades.saga), ignoreLeases ? undefined : lt(trades.sagaLeaseUntil, sql`now()`)));
    return rows.map((r) => r.id);
  }

  /**
   * Gives the trade's saga to `owner` for `leaseSeconds`, if its lease ran out (or whatever it
   * is, `ignoreLease`), or already is `owner`'s (a retry after a lost answer); null otherwise.
   */
  async takeSaga(id: string, owner: string, leaseSeconds: number, ignoreLease: boolean): Promise<TradeRow | null> {
    const [row] = await this.db
      .update(trades)
      .set({ sagaOwner: owner, sagaLeaseUntil: leaseEnd(leaseSeconds) })
      .where(and(eq(trades.id, id), isNotNull(trades.saga), ignoreLease ? undefined : or(lt(trades.sagaLeaseUntil, sql`now()`), eq(trades.sagaOwner, owner))))
      .returning();
    return row ?? null;
  }

  /** Extends `owner`'s lease on the trade's saga; false when the saga is no longer theirs. */
  async renewSaga(id: string, owner: string, leaseSeconds: number): Promise<boolean> {
    const held = await this.db
      .update(trades)
      .set({ sagaLeaseUntil: leaseEnd(leaseSeconds) })
      .where(and(eq(trades.id, id), eq(trades.sagaOwner, owner), isNotNull(trades.saga)))
      .returning({ id: trades.id });
    return held.length > 0;
  }

  /** Ends `owner`'s lease now, so the next driver may take the saga over at once. */
  async dropSagaLease(id: string, owner: string): Promise<void> {
    await this.db
      .update(trades)
      .set({ sagaLeaseUntil: sql`now()` })
      .where(and(eq(trades.id, id), eq(trades.sagaOwner, owner)));
  }

  /**
   * Turns `owner`'s accept (or its undo already) into an undo that keeps why the accept failed;
   * null when the saga is no longer theirs.
   */
  async undoAccept(id: string, owner: string, acceptError: StoredUserError, leaseSeconds: number): Promise<TradeRow | null> {
    const [row] = await this.db
      .update(trades)
      .set({ saga: "UNDO_ACCEPT", acceptError, sagaLeaseUntil: leaseEnd(leaseSeconds), updatedAt: sql`now()` })
      .where(and(eq(trades.id, id), eq(trades.sagaOwner, owner), inArray(trades.saga, ["ACCEPT", "UNDO_ACCEPT"])))
      .returning();
    return row ?? null;
  }

  /** Ends `owner`'s saga `saga` on the trade with `set`, in the caller's transaction; null when it is no longer theirs. */
  async endSaga(tx: Tx, id: string, owner: string, saga: SagaName, set: TradeChange): Promise<TradeRow | null> {
    const [row] = await tx
      .update(trades)
      .set({ ...set, saga: null, sagaTarget: null, sagaActorId: null, sagaOwner: null, sagaLeaseUntil: null, updatedAt: sql`now()` })
      .where(and(eq(trades.id, id), eq(trades.sagaOwner, owner), eq(trades.saga, saga)))
      .returning();
    return row ?? null;
  }
}
