import { randomUUID } from "node:crypto";
import { accepted, badUserInput, isUuid, type Outcome, type Sql } from "@localex/common";
import { claimKey, requestHash, storeResult } from "../db/idempotency.ts";
import { availableOf, lockAccounts, postTransfer } from "../db/postings.ts";
import { inTransaction, type Tx } from "../db/transaction.ts";
import type { AccountsService } from "../accounts/accounts.service.ts";
import { MAX_AMOUNT } from "../transfers/limits.ts";
import { asHoldOutcome, fromHoldOutcome, holdRefusal, type HoldOutcomeJson } from "./hold-result.ts";

export type HoldStatus = "HELD" | "SETTLED" | "RELEASED";
export type HoldCode = "INSUFFICIENT_FUNDS" | "HOLD_ALREADY_SETTLED" | "HOLD_ALREADY_RELEASED" | "HOLD_NOT_FOUND" | "IDEMPOTENCY_CONFLICT";

/** What a hold operation answers: the hold's status now, or why not. */
export type HoldResult = Outcome<HoldStatus>;

export interface PlaceHoldInput {
  holdKey: string;
  tradeId: string;
  payerId: string;
  payeeId: string;
  amount: number;
}

export interface HoldSummary {
  tradeId: string;
  payerId: string;
  payeeId: string;
  amount: number;
  status: HoldStatus;
}

/** Hold keys are named by the trade (`trade:<id>:proposer`), so they share one scope. */
const SCOPE = "holds";
/** Marks a key released before any hold was placed under it, so a late placeHold holds nothing. */
const RELEASED_BEFORE_PLACED = "released-before-placed";

/**
 * Escrow as two-phase transfers: a hold moves nothing but sets credits aside (the account's
 * `held`); settling moves them to the payee, releasing gives them back; each hold resolves once.
 */
export class HoldsService {
  constructor(
    private readonly sql: Sql,
    private readonly accounts: AccountsService,
  ) {}

  async placeHold(input: PlaceHoldInput): Promise<HoldResult> {
    checkPlaceHold(input);
    const hash = requestHash("placeHold", { ...input });
    // Trades vouches for both users; their accounts may not have been opened yet.
    await this.accounts.ensureUserAccount(input.payerId);
    await this.accounts.ensureUserAccount(input.payeeId);
    return inTransaction(this.sql, async (tx) => {
      const claim = await claimKey<HoldOutcomeJson>(tx, SCOPE, input.holdKey, hash);
      if (claim.state === "replay") return fromHoldOutcome(claim.result);
      if (claim.state === "conflict")
        return claim.requestHash === RELEASED_BEFORE_PLACED ? holdRefusal("HOLD_ALREADY_RELEASED") : holdRefusal("IDEMPOTENCY_CONFLICT");
      const payer = (await lockAccounts(tx, [input.payerId])).get(input.payerId);
      if (!payer || availableOf(payer) < input.amount) {
        const outcome = holdRefusal("INSUFFICIENT_FUNDS");
        await storeResult(tx, SCOPE, input.holdKey, asHoldOutcome(outcome));
        return outcome;
      }
      const outcome = accepted<HoldStatus>("HELD");
      await tx`
        with h as (
          insert into ledger.holds (hold_key, trade_id, payer_id, payee_id, amount)
          values (${input.holdKey}, ${input.tradeId}, ${input.payerId}, ${input.payeeId}, ${input.amount})
        ), a as (
          update ledger.accounts set held = held + ${input.amount}, updated_at = now() where id = ${input.payerId}
        )
        update ledger.idempotency_keys set result = ${tx.json(asHoldOutcome(outcome) as never)} where scope = ${SCOPE} and key = ${input.holdKey}`;
      return outcome;
    });
  }

  settleHold(holdKey: string): Promise<HoldResult> {
    return this.resolve(holdKey, "SETTLED");
  }

  releaseHold(holdKey: string): Promise<HoldResult> {
    return this.resolve(holdKey, "RELEASED");
  }

  async byTradeIds(tradeIds: readonly string[]): Promise<HoldSummary[]> {
    const rows = await this.sql<(Omit<HoldSummary, "amount"> & { amount: string })[]>`
      select trade_id as "tradeId", payer_id as "payerId", payee_id as "payeeId", amount, status
      from ledger.holds where trade_id in ${this.sql([...tradeIds])} order by created_at`;
    return rows.map((r) => ({ ...r, amount: Number(r.amount) }));
  }

  /**
   * A release can overtake its placeHold (a retry after a timeout, say). Claiming the key with
   * a marker makes that placeHold hold nothing when it lands; if a placeHold claimed the key
   * first, its outcome (no hold: it failed) stands and there is nothing to release.
   */
  private async releaseUnplaced(tx: Tx, holdKey: string): Promise<HoldResult> {
    const claimed = await tx`
      insert into ledger.idempotency_keys (scope, key, request_hash, result)
      values (${SCOPE}, ${holdKey}, ${RELEASED_BEFORE_PLACED}, ${tx.json(asHoldOutcome(holdRefusal("HOLD_ALREADY_RELEASED")) as never)})
      on conflict do nothing returning 1 as claimed`;
    if (claimed.length > 0) return accepted<HoldStatus>("RELEASED");
    const [hold] = await tx`select 1 from ledger.holds where hold_key = ${holdKey}`;
    // A placeHold committed meanwhile: release again, now that its hold exists.
    if (hold) throw Object.assign(new Error("hold placed concurrently"), { code: "40001" });
    return holdRefusal("HOLD_NOT_FOUND");
  }

  /** The hold row lock makes a racing settle and release queue; the second sees the first's result. */
  private resolve(holdKey: string, target: "SETTLED" | "RELEASED"): Promise<HoldResult> {
    return inTransaction(this.sql, async (tx) => {
      const [hold] = await tx<{ id: string; tradeId: string; payerId: string; payeeId: string; amount: string; status: HoldStatus }[]>`
        select id, trade_id as "tradeId", payer_id as "payerId", payee_id as "payeeId", amount, status
        from ledger.holds where hold_key = ${holdKey} for update`;
      if (!hold) return target === "RELEASED" ? this.releaseUnplaced(tx, holdKey) : holdRefusal("HOLD_NOT_FOUND");
      if (hold.status === target) return accepted<HoldStatus>(target);
      if (hold.status !== "HELD") return holdRefusal(hold.status === "SETTLED" ? "HOLD_ALREADY_SETTLED" : "HOLD_ALREADY_RELEASED");
      const amount = Number(hold.amount);
      const transferId = target === "SETTLED" && amount > 0 ? await settle(tx, hold, amount) : null;
      if (target === "RELEASED") {
        await tx`update ledger.accounts set held = held - ${amount}, updated_at = now() where id = ${hold.payerId}`;
      }
      await tx`update ledger.holds set status = ${target}, transfer_id = ${transferId}, resolved_at = now() where id = ${hold.id}`;
      return accepted<HoldStatus>(target);
    });
  }
}

async function settle(tx: Tx, hold: { tradeId: string; payerId: string; payeeId: string }, amount: number): Promise<string> {
  const id = randomUUID();
  const memo = `Trade ${hold.tradeId}`;
  const movement = { id, kind: "escrow", memo, initiator: "service:trades", fromId: hold.payerId, toId: hold.payeeId, amount, createdAt: new Date() } as const;
  await postTransfer(tx, movement, amount);
  return id;
}

/** Bad arguments from another subgraph are a bug there: a GraphQL error, not an outcome. */
function checkPlaceHold(input: PlaceHoldInput): void {
  if (input.holdKey.length === 0 || input.holdKey.length > 200) throw badUserInput("holdKey must be 1 to 200 characters.", "holdKey");
  if (input.tradeId.length === 0 || input.tradeId.length > 100) throw badUserInput("tradeId must be 1 to 100 characters.", "tradeId");
  if (!isUuid(input.payerId)) throw badUserInput("payerId must be a user id.", "payerId");
  if (!isUuid(input.payeeId)) throw badUserInput("payeeId must be a user id.", "payeeId");
  if (input.payerId === input.payeeId) throw badUserInput("payerId and payeeId must differ.", "payeeId");
  if (!Number.isInteger(input.amount) || input.amount < 0 || input.amount > MAX_AMOUNT) {
    throw badUserInput(`amount must be a whole number from 0 to ${MAX_AMOUNT}.`, "amount");
  }
}
