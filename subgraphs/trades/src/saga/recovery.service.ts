import type { Logger } from "@localex/common";
import { NEGOTIATING } from "../trades/rules.ts";
import type { TradeStore } from "../trades/trade.store.ts";
import type { SagaDriver } from "./saga.driver.ts";
import type { SagaStore } from "./saga.store.ts";

export const OVERDUE_REASON =
  "Not confirmed by both parties in time: the credits stay held and the listings reserved until an administrator settles or releases the trade.";

export interface RecoveryReport {
  /** Sagas driven to their end. */
  recovered: number;
  /** Sagas still unfinished (a partner is still unreachable); the next sweep tries again. */
  pending: number;
  /** Proposals and counter-offers expired. */
  expired: number;
  /** ACCEPTED trades past their confirmation deadline, moved to DISPUTED. */
  overdue: number;
}

/**
 * Brings every trade to a consistent end after crashes and faults: sagas whose driver is gone
 * (lease run out) are taken over and finished, and open proposals past their time expire.
 * Runs at start, every few seconds, and on demand.
 */
export class RecoveryService {
  constructor(
    private readonly store: TradeStore,
    private readonly sagas: SagaStore,
    private readonly driver: SagaDriver,
    private readonly log: Logger,
  ) {}

  async sweep(ignoreLeases = false): Promise<RecoveryReport> {
    const stuck = await this.sagas.sagasToRecover(ignoreLeases);
    let recovered = 0;
    let pending = 0;
    for (const id of stuck) {
      const claimed = await this.driver.claim(id, ignoreLeases);
      if (!claimed) continue;
      this.log.info({ tradeId: id, saga: claimed.row.saga }, "recovering a trade left between steps");
      const driven = await this.driver.drive(claimed.row, claimed.owner);
      if (driven.row.saga) pending++;
      else recovered++;
    }
    const expired = await this.expire();
    const overdue = await this.disputeOverdue();
    return { recovered, pending, expired, overdue };
  }

  /**
   * ACCEPTED trades not confirmed by both parties by `confirmBy` (TRADE_CONFIRMATION_DAYS after
   * acceptance) move to DISPUTED, escrow still held, so an administrator settles or releases it
   * instead of it being held forever. Both parties are told (the DISPUTED event, by the system).
   * A trade in the middle of a step (settling after the second confirmation) is left alone.
   */
  async disputeOverdue(tradeId?: string): Promise<number> {
    const rows = await this.store.transaction(async (tx) => {
      const due = await this.store.disputeOverdue(tx, OVERDUE_REASON, tradeId);
      for (const row of due) await this.store.record(tx, row, { kind: "DISPUTED", actorId: null, note: OVERDUE_REASON });
      return due;
    });
    return rows.length;
  }

  /** Expires open trades past their time (one, or all that are due). Nothing is held before acceptance. */
  async expire(tradeId?: string): Promise<number> {
    const rows = await this.store.transaction(async (tx) => {
      const due = await this.store.expireDue(tx, NEGOTIATING, tradeId);
      for (const row of due) await this.store.record(tx, row, { kind: "EXPIRED", actorId: null });
      return due;
    });
    return rows.length;
  }
}
