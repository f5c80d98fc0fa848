import { isCurrentAdmin, textProblem, userError, type Caller, type InternalClient, type UserError } from "@localex/common";
import type { TradeRow } from "../db/schema.ts";
import type { DisputeOutcomeName } from "../trades/trade.type.ts";
import { errors, failed, isParty, NEGOTIATING, succeeded, type TradeResult } from "../trades/rules.ts";
import type { TradeChange, TradeStore, EventRecord } from "../trades/trade.store.ts";
import type { SagaDriver } from "./saga.driver.ts";

/** What a step decided about a locked trade: refuse, or change it (and maybe start a saga). */
type Decision =
  | { error: UserError }
  | { error: null; set: TradeChange; event: EventRecord | null; owner: string | null };

type Outcome = { row: TradeRow | null; error: UserError | null; owner: string | null };

export const MAX_REASON = 1000;

/**
 * Everything after acceptance, and cancelling: confirmations, disputes and their resolution.
 * A decision is taken under the row lock; a saga it starts is driven after the commit.
 */
export class SettlementService {
  constructor(
    private readonly store: TradeStore,
    private readonly driver: SagaDriver,
    /** For identity's memberRole: a dispute is resolved by whoever is an admin now, not whose token once said so. */
    private readonly internal: Pick<InternalClient, "request">,
  ) {}

  confirm(caller: Caller, id: string): Promise<TradeResult> {
    return this.step(caller, id, (row) => {
      if (!isParty(row, caller.userId)) return { error: errors.forbidden() };
      if (row.saga) return { error: errors.inProgress() };
      if (row.status !== "ACCEPTED") return { error: errors.invalidState(row, "confirmed") };
      const mine = row.proposerId === caller.userId ? "proposerConfirmedAt" : "recipientConfirmedAt";
      const theirs = mine === "proposerConfirmedAt" ? "recipientConfirmedAt" : "proposerConfirmedAt";
      if (row[mine]) return { error: userError("ALREADY_CONFIRMED", "You have already confirmed this trade.", "id") };
      const set: TradeChange = { [mine]: new Date() };
      const event: EventRecord = { kind: "CONFIRMED", actorId: caller.userId };
      if (!row[theirs]) return { error: null, set, event, owner: null };
      const saga = this.driver.begin("SETTLE", "COMPLETED", caller.userId);
      return { error: null, set: { ...set, ...saga.set }, event, owner: saga.owner };
    });
  }

  /** The proposer withdraws: before acceptance at once, after it by releasing holds and listings. */
  cancel(caller: Caller, id: string): Promise<TradeResult> {
    return this.step(caller, id, (row) => {
      if (row.recipientId === caller.userId) {
        return { error: errors.forbidden("Only the proposer can cancel a trade; decline it instead.") };
      }
      if (row.proposerId !== caller.userId) return { error: errors.forbidden() };
      if (row.saga) return { error: errors.inProgress() };
      if (NEGOTIATING.includes(row.status)) {
        return { error: null, set: { status: "CANCELLED", turnUserId: null }, event: { kind: "CANCELLED", actorId: caller.userId }, owner: null };
      }
      if (row.status !== "ACCEPTED") return { error: errors.invalidState(row, "cancelled") };
      if (row.proposerConfirmedAt || row.recipientConfirmedAt) {
        return {
          error: userError("INVALID_STATE", "A party has already confirmed this trade; open a dispute instead of cancelling.", "id"),
        };
      }
      const saga = this.driver.begin("RELEASE", "CANCELLED", caller.userId);
      return { error: null, set: saga.set, event: null, owner: saga.owner };
    });
  }

  openDispute(caller: Caller, id: string, reason: string): Promise<TradeResult> {
    const text = reason.normalize("NFC").trim();
    const problem = textProblem(text, { label: "The reason", max: MAX_REASON, min: 1, multiline: true });
    if (problem) return Promise.resolve({ trade: null, errors: [userError("INVALID_INPUT", problem, "reason")] });
    return this.step(caller, id, (row) => {
      if (!isParty(row, caller.userId)) return { error: errors.forbidden() };
      if (row.saga) return { error: errors.inProgress() };
      if (row.status !== "ACCEPTED") return { error: errors.invalidState(row, "disputed") };
      return {
        error: null,
        set: { status: "DISPUTED", disputeReason: text },
        event: { kind: "DISPUTED", actorId: caller.userId, note: text },
        owner: null,
      };
    });
  }

  /** An administrator settles a dispute: COMPLETE settles the escrow, CANCEL releases it. */
  async resolve(caller: Caller, id: string, outcome: DisputeOutcomeName): Promise<TradeResult> {
    // Asked before the row lock is taken; a token whose role claim is no longer stored moves nothing.
    if (caller.role === "admin" && !(await isCurrentAdmin(this.internal, caller))) {
      return { trade: null, errors: [errors.forbidden("Only administrators may resolve disputes.")] };
    }
    return this.step(caller, id, (row) => {
      if (caller.role !== "admin") return { error: errors.forbidden("Only administrators may resolve disputes.") };
      if (row.saga) return { error: errors.inProgress() };
      if (row.status !== "DISPUTED") {
        return { error: userError("INVALID_STATE", `This trade is ${row.status}; only a DISPUTED trade can be resolved.`, "id") };
      }
      const saga = this.driver.begin(outcome === "COMPLETE" ? "SETTLE" : "RELEASE", "RESOLVED", caller.userId);
      return { error: null, set: { ...saga.set, resolution: outcome }, event: null, owner: saga.owner };
    });
  }

  private async step(caller: Caller, id: string, decide: (row: TradeRow) => Decision): Promise<TradeResult> {
    let startedOwner: string | null = null;
    const outcome = await this.store.decide(
      id,
      async (tx, row, changeId): Promise<Outcome> => {
        if (!row) return { row: null, error: errors.notFound(), owner: null };
        const decision = decide(row);
        if (decision.error) return { row, error: decision.error, owner: null };
        startedOwner = decision.owner;
        const changed = await this.store.change(tx, id, decision.set, decision.event, changeId);
        return { row: changed, error: null, owner: decision.owner };
      },
      // Our change committed; drive the saga it started unless someone else has taken it over.
      (row): Outcome => ({ row, error: null, owner: startedOwner && row.sagaOwner === startedOwner ? startedOwner : null }),
    );
    if (outcome.error || !outcome.row) return failed(outcome.row, caller, outcome.error ?? errors.notFound());
    if (!outcome.owner) return succeeded(outcome.row);
    const driven = await this.driver.drive(outcome.row, outcome.owner);
    // A settlement that stopped (something no longer in place) flagged the trade instead of completing it: say so.
    if (outcome.row.saga === "SETTLE" && driven.row.status === "DISPUTED" && driven.row.saga === null) {
      const reason = driven.row.disputeReason ?? "Settlement stopped; an administrator will resolve the trade.";
      return { trade: driven.row, errors: [userError("SETTLEMENT_STOPPED", reason, "id")] };
    }
    return succeeded(driven.row);
  }
}
