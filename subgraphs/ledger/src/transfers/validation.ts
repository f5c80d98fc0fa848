import { idempotencyKeyProblem, refusal, textProblem, type Refusal } from "@localex/common";
import { MAX_AMOUNT, MEMO_MAX } from "./limits.ts";

export function checkAmount(amount: number, field: string): Refusal | null {
  if (!Number.isInteger(amount) || amount <= 0) {
    return refusal("INVALID_AMOUNT", "Amount must be a whole number of credits greater than zero.", field);
  }
  if (amount > MAX_AMOUNT) {
    return refusal("INVALID_AMOUNT", `Amount must be at most ${MAX_AMOUNT} credits.`, field);
  }
  return null;
}

/** The shared idempotency-key rule, as a refusal. */
export function checkIdempotencyKey(key: string): Refusal | null {
  const problem = idempotencyKeyProblem(key);
  return problem ? refusal(problem.code, problem.message, problem.field) : null;
}

export function normaliseMemo(memo: string | null | undefined): string | null {
  const trimmed = memo?.normalize("NFC").trim().replace(/\s+/g, " ") ?? "";
  return trimmed.length > 0 ? trimmed : null;
}

export function checkMemo(memo: string | null, field: string, required: boolean): Refusal | null {
  if (memo === null) return required ? refusal("INVALID_INPUT", "Memo must not be empty.", field) : null;
  const problem = textProblem(memo, { label: "Memo", max: MEMO_MAX });
  return problem ? refusal("INVALID_INPUT", problem, field) : null;
}
