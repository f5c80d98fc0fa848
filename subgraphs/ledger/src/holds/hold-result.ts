import { accepted, refusal, type Refusal } from "@localex/common";
import type { HoldCode, HoldResult, HoldStatus } from "./holds.service.ts";

/**
 * A hold's result as trades reads it (`HoldOutcome`) and as `ledger.idempotency_keys.result`
 * keeps it for replays: one JSON shape, the one keys written before results were Outcomes hold.
 */
export interface HoldOutcomeJson {
  ok: boolean;
  code: HoldCode | null;
  status: HoldStatus | null;
}

const MESSAGES: Record<HoldCode, string> = {
  INSUFFICIENT_FUNDS: "The payer does not have enough available credits.",
  HOLD_ALREADY_SETTLED: "This hold was already settled.",
  HOLD_ALREADY_RELEASED: "This hold was already released.",
  HOLD_NOT_FOUND: "There is no hold with this key.",
  IDEMPOTENCY_CONFLICT: "This hold key was already used for a different hold.",
};

/** The status a refusal reports: a hold already resolved says how; the others name none. */
const STATUS_OF: Partial<Record<HoldCode, HoldStatus>> = { HOLD_ALREADY_SETTLED: "SETTLED", HOLD_ALREADY_RELEASED: "RELEASED" };

export function holdRefusal(code: HoldCode): Refusal {
  return refusal(code, MESSAGES[code]);
}

export function asHoldOutcome(result: HoldResult): HoldOutcomeJson {
  if (result.ok) return { ok: true, code: null, status: result.value };
  const code = result.code as HoldCode;
  return { ok: false, code, status: STATUS_OF[code] ?? null };
}

export function fromHoldOutcome(stored: HoldOutcomeJson): HoldResult {
  return stored.ok ? accepted(stored.status!) : holdRefusal(stored.code!);
}
