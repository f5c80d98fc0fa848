import {
  accepted,
  isCurrentAdmin,
  recordAdminAct,
  refusal,
  showing,
  textProblem,
  type AdminAct,
  type Caller,
  type InternalClient,
  type Outcome,
  type Refusal,
} from "@localex/common";
import type { TradeRow } from "../db/schema.ts";
import type { DisputeOutcomeName } from "../trades/trade.type.ts";
import { isParty, NEGOTIATING, refuse, refusedOn } from "../trades/rules.ts";
import type { TradeChange, TradeStore, EventRecord } from "../trades/trade.store.ts";
import type { SagaDriver } from "./saga.driver.ts";
import { claimedByAnother, disputeOpening } from "../disputes/claims.ts";
import { disputeTaken } from "../disputes/disputes.service.ts";

/** What a step decided about a locked trade: refuse, or change it (and maybe start a saga; an admin's act is audited with the change). */
type Decision = { refused: Refusal } | { refused: null; set: TradeChange; event: EventRecord | null; owner: string | null; act?: AdminAct };

/** The step's answer under the lock, and the saga it started (driven after the commit). */
type Stepped = { outcome: Outcome<TradeRow>; owner: string | null };

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

  confirm(caller: Caller, id: string): Promise<Outcome<TradeRow>> {
    return this.step(caller, id, (row) => {
      if (!isParty(row, caller.userId)) return { refused: refuse.forbidden() };
      if (row.saga) return { refused: refuse.inProgress() };
      if (row.status !== "ACCEPTED") return { refused: refuse.invalidState(row, "confirmed") };
      const mine = row.proposerId === caller.userId ? "proposerConfirmedAt" : "recipientConfirmedAt";
      const theirs = mine === "proposerConfirmedAt" ? "recipientConfirmedAt" : "proposerConfirmedAt";
      if (row[mine]) return { refused: refusal("ALREADY_CONFIRMED", "You have already confirmed this trade.", "id") };
      const set: TradeChange = { [mine]: new Date() };
      const event: EventRecord = { kind: "CONFIRMED", actorId: caller.userId };
      if (!row[theirs]) return { refused: null, set, event, owner: null };
      const saga = this.driver.begin("SETTLE", "COMPLETED", caller.userId);
      return { refused: null, set: { ...set, ...saga.set }, event, owner: saga.owner };
    });
  }

  /** The proposer withdraws: before acceptance at once, after it by releasing holds and listings. */
  cancel(caller: Caller, id: string): Promise<Outcome<TradeRow>> {
    return this.step(caller, id, (row) => {
      if (row.recipientId === caller.userId) {
        return { refused: refuse.forbidden("Only the proposer can cancel a trade; decline it instead.") };
      }
      if (row.proposerId !== caller.userId) return { refused: refuse.forbidden() };
      if (row.saga) return { refused: refuse.inProgress() };
      if (NEGOTIATING.includes(row.status)) {
        return { refused: null, set: { status: "CANCELLED", turnUserId: null }, event: { kind: "CANCELLED", actorId: caller.userId }, owner: null };
      }
      if (row.status !== "ACCEPTED") return { refused: refuse.invalidState(row, "cancelled") };
      if (row.proposerConfirmedAt || row.recipientConfirmedAt) {
        return {
          refused: refusal("INVALID_STATE", "A party has already confirmed this trade; open a dispute instead of cancelling.", "id"),
        };
      }
      const saga = this.driver.begin("RELEASE", "CANCELLED", caller.userId);
      return { refused: null, set: saga.set, event: null, owner: saga.owner };
    });
  }

  openDispute(caller: Caller, id: string, reason: string): Promise<Outcome<TradeRow>> {
    const text = reason.normalize("NFC").trim();
    const problem = textProblem(text, { label: "The reason", max: MAX_REASON, min: 1, multiline: true });
    if (problem) return Promise.resolve(refusal("INVALID_INPUT", problem, "reason"));
    return this.step(caller, id, (row) => {
      if (!isParty(row, caller.userId)) return { refused: refuse.forbidden() };
      if (row.saga) return { refused: refuse.inProgress() };
      if (row.status !== "ACCEPTED") return { refused: refuse.invalidState(row, "disputed") };
      return {
        refused: null,
        set: disputeOpening(text, caller.userId),
        event: { kind: "DISPUTED", actorId: caller.userId, note: text },
        owner: null,
      };
    });
  }

  /**
   * An administrator settles a dispute: COMPLETE settles the escrow, CANCEL releases it. Who
   * resolved it and their reason are kept, and the reason goes to both parties with the
   * resolution. Refused while another administrator's claim on it is live (takeDispute).
   */
  async resolve(caller: Caller, id: string, outcome: DisputeOutcomeName, reason: string | null = null): Promise<Outcome<TradeRow>> {
    const text = reason === null ? null : reason.normalize("NFC").trim();
    const problem = text === null ? null : textProblem(text, { label: "The reason", max: MAX_REASON, min: 1, multiline: true });
    if (problem) return refusal("INVALID_INPUT", problem, "reason");
    // Asked before the row lock is taken; a token whose role claim is no longer stored moves nothing.
    if (caller.role === "admin" && !(await isCurrentAdmin(this.internal, caller))) {
      return refuse.forbidden("Only administrators may resolve disputes.");
    }
    return this.step(caller, id, (row) => {
      if (caller.role !== "admin") return { refused: refuse.forbidden("Only administrators may resolve disputes.") };
      if (row.saga) return { refused: refuse.inProgress() };
      if (row.status !== "DISPUTED") {
        return { refused: refusal("INVALID_STATE", `This trade is ${row.status}; only a DISPUTED trade can be resolved.`, "id") };
      }
      if (claimedByAnother(row, caller.userId)) return { refused: disputeTaken(row, "id") };
      const saga = this.driver.begin(outcome === "COMPLETE" ? "SETTLE" : "RELEASE", "RESOLVED", caller.userId);
      const set: TradeChange = { ...saga.set, resolution: outcome, resolvedBy: caller.userId, resolutionReason: text };
      const act: AdminAct<"DISPUTE_RESOLVED"> = {
        admin: caller.userId,
        action: "DISPUTE_RESOLVED",
        subject: { kind: "TRADE", id: row.id },
        members: [row.proposerId, row.recipientId],
        reason: text,
        details: { outcome },
      };
      return { refused: null, set, event: null, owner: saga.owner, act };
    });
  }

  private async step(caller: Caller, id: string, decide: (row: TradeRow) => Decision): Promise<Outcome<TradeRow>> {
    let startedOwner: string | null = null;
    const { outcome, owner } = await this.store.decide(
      id,
      async (tx, row, changeId): Promise<Stepped> => {
        if (!row) return { outcome: refuse.notFound(), owner: null };
        const decision = decide(row);
        if (decision.refused) return { outcome: refusedOn(row, caller, decision.refused), owner: null };
        startedOwner = decision.owner;
        const changed = await this.store.change(tx, id, decision.set, decision.event, changeId);
        if (decision.act) await recordAdminAct(tx, decision.act);
        return { outcome: accepted(changed), owner: decision.owner };
      },
      // Our change committed; drive the saga it started unless someone else has taken it over.
      (row): Stepped => ({ outcome: accepted(row), owner: startedOwner && row.sagaOwner === startedOwner ? startedOwner : null }),
    );
    if (!outcome.ok || !owner) return outcome;
    const started = outcome.value;
    const driven = await this.driver.drive(started, owner);
    // A settlement that stopped (something no longer in place) flagged the trade instead of completing it: say so.
    if (started.saga === "SETTLE" && driven.row.status === "DISPUTED" && driven.row.saga === null) {
      const reason = driven.row.disputeReason ?? "Settlement stopped; an administrator will resolve the trade.";
      return showing(refusal("SETTLEMENT_STOPPED", reason, "id"), driven.row);
    }
    return accepted(driven.row);
  }
}
