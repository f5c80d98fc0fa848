import { randomUUID } from "node:crypto";
import type { Logger } from "@localex/common";
import { retryDatabaseWork } from "@localex/common";
import type { SagaName, StoredUserError, TradeRow, TradeStatusName, Tx } from "../db/schema.ts";
import type { TradePartners } from "../partners/partners.ts";
import type { TradeSettings } from "../settings.ts";
import type { EventRecord, TradeChange, TradeStore } from "../trades/trade.store.ts";
import { leaseEnd, type SagaStore } from "./saga.store.ts";
import { scheduleExpiry } from "../trades/expiry-job.ts";
import { acceptSteps, LeaseLost, releaseSteps, settleSteps, type AcceptFailure, type Renew } from "./steps.ts";
import { announceCompletedTrade } from "./completed-trade.ts";
import { disputeOpening } from "../disputes/claims.ts";

/** The event a saga's end records; by whoever started the saga unless `actorId` says otherwise (null: the system). */
type SagaEvent = Omit<EventRecord, "actorId"> & { actorId?: string | null };

export interface Driven {
  /** The trade as the drive left it. */
  row: TradeRow;
  /** Set when an accept attempt failed (and was undone, or is being undone). */
  acceptFailure: AcceptFailure | null;
}

/**
 * Drives a trade's saga (ACCEPT, UNDO_ACCEPT, SETTLE, RELEASE) from whatever step it is at to
 * its end. Only the holder of the row's lease drives; every step is idempotent, so whoever
 * takes an expired lease over (the recovery sweep, a retried request) simply replays them.
 * A fault leaves the saga in place for the next driver: the row never claims more or less
 * than the ledger and listings hold once a drive completes.
 */
export class SagaDriver {
  constructor(
    private readonly store: TradeStore,
    private readonly sagas: SagaStore,
    private readonly partners: TradePartners,
    private readonly settings: TradeSettings,
    private readonly log: Logger,
  ) {}

  /** Columns that put a saga on a row (inside the caller's transaction), owned by a fresh lease. */
  begin(saga: SagaName, target: TradeStatusName | null, actorId: string | null): { set: TradeChange; owner: string } {
    const owner = randomUUID();
    return {
      owner,
      set: { saga, sagaTarget: target, sagaActorId: actorId, sagaOwner: owner, sagaLeaseUntil: leaseEnd(this.settings.sagaLeaseSeconds) },
    };
  }

  /** Takes over a trade whose saga's lease has run out (or any saga, when `ignoreLease`). */
  async claim(id: string, ignoreLease: boolean): Promise<{ row: TradeRow; owner: string } | null> {
    const owner = randomUUID();
    // A retry after a lost answer finds the lease already ours (no longer run out).
    const row = await retryDatabaseWork(() => this.sagas.takeSaga(id, owner, this.settings.sagaLeaseSeconds, ignoreLease));
    return row ? { row, owner } : null;
  }

  async drive(row: TradeRow, owner: string): Promise<Driven> {
    const renew = this.renewer(row, owner);
    try {
      switch (row.saga) {
        case "ACCEPT": {
          const failure = await acceptSteps(this.partners, row, renew, this.log);
          if (!failure) {
            // From now on escrow is held: both parties have TRADE_CONFIRMATION_DAYS to confirm, or it goes to an administrator.
            const confirmBy = new Date(Date.now() + this.settings.confirmationDays * 86_400_000);
            const set = { status: "ACCEPTED", turnUserId: null, expiresAt: null, confirmBy } as const;
            const done = await this.finish(row, owner, set, { kind: "ACCEPTED" }, (tx) => scheduleExpiry(tx, row.id, confirmBy));
            return { row: done, acceptFailure: null };
          }
          const undoing = await this.switchToUndo(row, owner, failure);
          return { ...(await this.drive(undoing, owner)), acceptFailure: failure };
        }
        case "UNDO_ACCEPT": {
          await releaseSteps(this.partners, row, renew, this.log);
          const note = row.acceptError?.message ?? "Escrow or listings could not be reached.";
          return { row: await this.finish(row, owner, {}, { kind: "ACCEPT_FAILED", note }), acceptFailure: null };
        }
        case "SETTLE": {
          const stopped = await settleSteps(this.partners, row, renew, this.log);
          if (stopped) {
            // Never half-settled: the trade is flagged for an administrator, with what happened.
            const set: TradeChange = disputeOpening(stopped.reason, null);
            const flagged = await this.finish(row, owner, set, { kind: "DISPUTED", note: stopped.reason, actorId: null });
            return { row: flagged, acceptFailure: null };
          }
          const event: Omit<EventRecord, "actorId"> =
            row.sagaTarget === "RESOLVED" ? { kind: "RESOLVED", note: "COMPLETE", reason: row.resolutionReason } : { kind: "COMPLETED" };
          const completed = await this.finish(row, owner, { status: row.sagaTarget ?? "COMPLETED" }, event, (tx) => announceCompletedTrade(tx, row));
          return { row: completed, acceptFailure: null };
        }
        case "RELEASE": {
          await releaseSteps(this.partners, row, renew, this.log);
          const event: Omit<EventRecord, "actorId"> =
            row.sagaTarget === "RESOLVED" ? { kind: "RESOLVED", note: "CANCEL", reason: row.resolutionReason } : { kind: "CANCELLED" };
          return { row: await this.finish(row, owner, { status: row.sagaTarget ?? "CANCELLED" }, event), acceptFailure: null };
        }
        default:
          return { row, acceptFailure: null };
      }
    } catch (err) {
      if (!(err instanceof LeaseLost)) {
        this.log.warn({ err, tradeId: row.id, saga: row.saga }, "saga step failed; left for recovery");
        await this.giveUp(row, owner);
      }
      return { row: (await retryDatabaseWork(() => this.store.byId(row.id))) ?? row, acceptFailure: null };
    }
  }

  /** Lets the next driver (a retried request, the recovery sweep) take over at once. */
  private async giveUp(row: TradeRow, owner: string): Promise<void> {
    try {
      await retryDatabaseWork(() => this.sagas.dropSagaLease(row.id, owner));
    } catch (err) {
      // The lease then runs out by itself.
      this.log.warn({ err, tradeId: row.id }, "could not give up a saga's lease");
    }
  }

  /**
   * A failed accept turns into its undo, keeping the reason: a replay of the same key answers
   * the same and moves nothing (as the ledger does); a new click, with a new key, tries again.
   */
  private async switchToUndo(row: TradeRow, owner: string, failure: AcceptFailure): Promise<TradeRow> {
    const stored: StoredUserError = { code: failure.error.code, message: failure.error.message, field: failure.error.field ?? null };
    // UNDO_ACCEPT too: a retry after a lost answer finds the switch already made.
    const next = await retryDatabaseWork(() => this.sagas.undoAccept(row.id, owner, stored, this.settings.sagaLeaseSeconds));
    if (!next) throw new LeaseLost(row.id);
    return next;
  }

  /** Ends the saga and records the transition, only while still the owner; then tells subscribers. */
  private async finish(row: TradeRow, owner: string, set: TradeChange, event: SagaEvent, alsoInTransaction?: (tx: Tx) => Promise<void>): Promise<TradeRow> {
    // Retried on a lost connection; after a lost COMMIT answer the retry finds the saga ended
    // (LeaseLost), and the drive reads the row as the first attempt left it.
    const end = async (tx: Tx) => {
      const next = await this.end(tx, row, owner, set, event);
      await alsoInTransaction?.(tx);
      return next;
    };
    return retryDatabaseWork(() => this.store.transaction(end));
  }

  private async end(tx: Tx, row: TradeRow, owner: string, set: TradeChange, event: SagaEvent): Promise<TradeRow> {
    const next = await this.sagas.endSaga(tx, row.id, owner, row.saga ?? "ACCEPT", set);
    if (!next) throw new LeaseLost(row.id);
    await this.store.record(tx, row, { actorId: row.sagaActorId, ...event });
    return next;
  }

  /** Before each step: extend the lease, or stop if another driver has taken over. */
  private renewer(row: TradeRow, owner: string): Renew {
    return async () => {
      const held = await retryDatabaseWork(() => this.sagas.renewSaga(row.id, owner, this.settings.sagaLeaseSeconds));
      if (!held) throw new LeaseLost(row.id);
    };
  }
}
