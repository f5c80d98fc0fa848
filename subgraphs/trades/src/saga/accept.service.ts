import { accepted, idempotencyKeyProblem, isTransientDatabaseError, refusal, retry, showing, type Caller, type Outcome, type Refusal } from "@localex/common";
import type { TradeRow } from "../db/schema.ts";
import { departingAmong } from "../departures/departure-marks.ts";
import { checkNegotiatingMove, isExpired, isParty, refusalOf, refuse, refusedOn } from "../trades/rules.ts";
import type { TradeStore } from "../trades/trade.store.ts";
import type { SagaDriver } from "./saga.driver.ts";

type Begun =
  | { kind: "answer"; result: Outcome<TradeRow>; changed: boolean }
  | { kind: "started"; row: TradeRow; owner: string }
  | { kind: "busy"; row: TradeRow; leaseExpired: boolean };

/** Another request's accept attempt holds the trade; this one waits for its outcome. */
class AcceptUnderWay extends Error {
  constructor(readonly row: TradeRow) {
    super("another accept of this trade is under way");
  }
}

/** How long a repeated click waits for the accept already under way before answering. */
const WAIT_FOR_BUSY_MS = 20_000;

/**
 * Acceptance: all holds and all reservations, or none. Exactly one request starts an attempt
 * (the row is locked and the saga set in one transaction); a concurrent click waits for it and
 * gets its outcome when it used the same idempotency key, a clear refusal otherwise.
 */
export class AcceptService {
  constructor(
    private readonly store: TradeStore,
    private readonly driver: SagaDriver,
  ) {}

  async accept(caller: Caller, id: string, idempotencyKey: string): Promise<Outcome<TradeRow>> {
    const key = idempotencyKey.trim();
    const keyProblem = idempotencyKeyProblem(key);
    if (keyProblem) return refusalOf(keyProblem);
    try {
      return await retry(() => this.acceptOnce(caller, id, key), {
        attempts: Infinity,
        maxElapsedMs: WAIT_FOR_BUSY_MS,
        minDelayMs: 100,
        maxDelayMs: 100,
        // A lost connection left nothing this request must finish (begin() picks up a saga it started).
        retryOn: (e) => e instanceof AcceptUnderWay || isTransientDatabaseError(e),
      });
    } catch (e) {
      if (e instanceof AcceptUnderWay) return refusedOn(e.row, caller, refuse.inProgress());
      throw e;
    }
  }

  /** One look at the trade: answer, drive an attempt, or throw AcceptUnderWay to wait for another. */
  private async acceptOnce(caller: Caller, id: string, key: string): Promise<Outcome<TradeRow>> {
    const begun = await this.begin(caller, id, key);
    if (begun.kind === "answer") {
      return begun.result;
    }
    if (begun.kind === "started") {
      const driven = await this.driver.drive(begun.row, begun.owner);
      if (driven.acceptFailure) return showing(driven.acceptFailure.error, driven.row);
      if (driven.row.status === "ACCEPTED") return accepted(driven.row);
      return showing(refuse.inProgress(), driven.row);
    }
    // Another attempt is under way: take it over if its driver gave up, then look again.
    if (begun.leaseExpired) {
      const claimed = await this.driver.claim(id, false);
      if (claimed) await this.driver.drive(claimed.row, claimed.owner);
    }
    throw new AcceptUnderWay(begun.row);
  }

  /** Decides under the row lock, again after a lost connection (TradeStore.decide). */
  private begin(caller: Caller, id: string, key: string): Promise<Begun> {
    let startedOwner: string | null = null;
    return this.store.decide(
      id,
      async (tx, row, changeId): Promise<Begun> => {
        const seen = look(caller, row, key);
        if (seen || !row) return seen ?? answer(caller, null, refuse.notFound());
        // Under the parties' locks, so a departure either sees this accept under way or refuses it.
        if ((await departingAmong(tx, [row.proposerId, row.recipientId])).length > 0) return answer(caller, row, refuse.departing());
        if (isExpired(row)) {
          const expired = await this.store.change(tx, id, { status: "EXPIRED", turnUserId: null }, { kind: "EXPIRED", actorId: null }, changeId);
          return { kind: "answer", result: refusedOn(expired, caller, refuse.expired()), changed: true };
        }
        const saga = this.driver.begin("ACCEPT", "ACCEPTED", caller.userId);
        startedOwner = saga.owner;
        const changed = await this.store.change(
          tx,
          id,
          { ...saga.set, acceptAttempt: row.acceptAttempt + 1, acceptKey: key, acceptError: null },
          null,
          changeId,
        );
        return { kind: "started", row: changed, owner: saga.owner };
      },
      (row): Begun => {
        // Our change committed: the saga we started (unless taken over since), or our expiry.
        if (startedOwner && row.sagaOwner === startedOwner) return { kind: "started", row, owner: startedOwner };
        if (row.status === "EXPIRED") return { kind: "answer", result: refusedOn(row, caller, refuse.expired()), changed: true };
        return look(caller, row, key) ?? answer(caller, row, refuse.inProgress());
      },
    );
  }
}

const answer = (caller: Caller, row: TradeRow | null, refused: Refusal): Begun => ({ kind: "answer", result: refusedOn(row, caller, refused), changed: false });

/** What a request with this key sees of the trade without changing it; null when it may accept now. */
function look(caller: Caller, row: TradeRow | null, key: string): Begun | null {
  if (!row) return answer(caller, null, refuse.notFound());
  if (!isParty(row, caller.userId)) return answer(caller, row, refuse.forbidden());
  if (row.saga === "ACCEPT" || row.saga === "UNDO_ACCEPT") {
    const leaseExpired = row.sagaLeaseUntil !== null && row.sagaLeaseUntil.getTime() < Date.now();
    return { kind: "busy", row, leaseExpired };
  }
  if (row.acceptKey === key) {
    // A replay: the first outcome of this key, as it was (the refusal as stored on the trade).
    const stored = row.acceptError;
    const result = stored ? refusedOn(row, caller, refusal(stored.code, stored.message, stored.field)) : accepted(row);
    return { kind: "answer", result, changed: false };
  }
  const refused = checkNegotiatingMove(row, caller, "accepted");
  return refused ? answer(caller, row, refused) : null;
}
