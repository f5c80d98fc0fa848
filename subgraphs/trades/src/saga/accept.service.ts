import { userError, type Caller, type UserError } from "@localex/common";
import { isLostConnection } from "@localex/common";
import type { TradeRow } from "../db/schema.ts";
import { checkNegotiatingMove, errors, failed, isExpired, isParty, succeeded, type TradeResult } from "../trades/rules.ts";
import type { TradeStore } from "../trades/trade.store.ts";
import type { SagaDriver } from "./saga.driver.ts";

type Begun =
  | { kind: "answer"; result: TradeResult; changed: boolean }
  | { kind: "started"; row: TradeRow; owner: string }
  | { kind: "busy"; row: TradeRow; leaseExpired: boolean };

const MAX_KEY = 200;
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

  async accept(caller: Caller, id: string, idempotencyKey: string): Promise<TradeResult> {
    const key = idempotencyKey.trim();
    if (key.length === 0 || key.length > MAX_KEY) {
      return { trade: null, errors: [userError("INVALID_INPUT", `The idempotency key must be 1 to ${MAX_KEY} characters.`, "idempotencyKey")] };
    }
    const deadline = Date.now() + WAIT_FOR_BUSY_MS;
    for (;;) {
      const begun = await this.begin(caller, id, key);
      if (begun.kind === "answer") {
        if (begun.changed && begun.result.trade) await this.store.announce(begun.result.trade);
        return begun.result;
      }
      if (begun.kind === "started") {
        const driven = await this.driver.drive(begun.row, begun.owner);
        if (driven.acceptFailure) return { trade: driven.row, errors: [driven.acceptFailure.error] };
        if (driven.row.status === "ACCEPTED") return succeeded(driven.row);
        return { trade: driven.row, errors: [errors.inProgress()] };
      }
      // Another attempt is under way: wait for it, or take it over if its driver gave up.
      if (Date.now() > deadline) return failed(begun.row, caller, errors.inProgress());
      if (begun.leaseExpired) {
        const claimed = await this.driver.claim(id, false);
        if (claimed) {
          await this.driver.drive(claimed.row, claimed.owner);
          continue;
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private async begin(caller: Caller, id: string, key: string): Promise<Begun> {
    const started: { owner: string | null } = { owner: null };
    try {
      return await this.attempt(caller, id, key, started);
    } catch (err) {
      const row = started.owner && isLostConnection(err) ? await this.driver.startedDespiteLostAnswer(id, started.owner) : null;
      if (!row || !started.owner) throw err;
      return { kind: "started", row, owner: started.owner };
    }
  }

  /** Decides under the row lock; `started` learns the owner of a saga it puts on the row. */
  private attempt(caller: Caller, id: string, key: string, started: { owner: string | null }): Promise<Begun> {
    return this.store.db.transaction(async (tx): Promise<Begun> => {
      const row = await this.store.lock(tx, id);
      const answer = (error: UserError, trade: TradeRow | null = row): Begun => ({
        kind: "answer",
        result: failed(trade, caller, error),
        changed: false,
      });
      if (!row) return answer(errors.notFound());
      if (!isParty(row, caller.userId)) return answer(errors.forbidden());
      const accepting = row.saga === "ACCEPT" || row.saga === "UNDO_ACCEPT";
      if (accepting) {
        const leaseExpired = row.sagaLeaseUntil !== null && row.sagaLeaseUntil.getTime() < Date.now();
        return { kind: "busy", row, leaseExpired };
      }
      if (row.acceptKey === key) {
        // A replay: the first outcome of this key, as it was.
        const result = row.acceptError ? failed(row, caller, row.acceptError) : succeeded(row);
        return { kind: "answer", result, changed: false };
      }
      const refused = checkNegotiatingMove(row, caller, "accepted");
      if (refused) return answer(refused);
      if (isExpired(row)) {
        const expired = await this.store.change(tx, id, { status: "EXPIRED", turnUserId: null }, { kind: "EXPIRED", actorId: null });
        return { kind: "answer", result: failed(expired, caller, errors.expired()), changed: true };
      }
      const saga = this.driver.begin("ACCEPT", "ACCEPTED", caller.userId);
      started.owner = saga.owner;
      const changed = await this.store.change(
        tx,
        id,
        { ...saga.set, acceptAttempt: row.acceptAttempt + 1, acceptKey: key, acceptError: null },
        null,
      );
      return { kind: "started", row: changed, owner: saga.owner };
    });
  }
}
