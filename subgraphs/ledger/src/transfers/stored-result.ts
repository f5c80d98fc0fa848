import { accepted, refusal, type ErrorCode, type Outcome } from "@localex/common";
import type { TransferRecord } from "./transfers.service.ts";

/**
 * A transfer's result as `ledger.idempotency_keys.result` keeps it for replays. Keys written
 * before results were Outcomes hold this same JSON, so the format stays and is converted here.
 */
export type StoredTransferResult = { ok: true; transfer: TransferRecord } | { ok: false; code: ErrorCode; message: string; field?: string | null };

export function toStored(outcome: Outcome<TransferRecord>): StoredTransferResult {
  if (outcome.ok) return { ok: true, transfer: outcome.value };
  return { ok: false, code: outcome.code, message: outcome.message, field: outcome.field };
}

export function fromStored(stored: StoredTransferResult): Outcome<TransferRecord> {
  return stored.ok ? accepted(stored.transfer) : refusal(stored.code, stored.message, stored.field);
}
