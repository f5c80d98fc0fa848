import { textProblem, type UserError } from "@localex/common";
import { MAX_AMOUNT, MEMO_MAX } from "./limits.ts";

/** Why a transfer is refused, as the member is told (a UserError). */
export type Problem = UserError;

export function checkAmount(amount: number, field: string): Problem | null {
  if (!Number.isInteger(amount) || amount <= 0) {
    return { code: "INVALID_AMOUNT", message: "Amount must be a whole number of credits greater than zero.", field };
  }
  if (amount > MAX_AMOUNT) {
    return { code: "INVALID_AMOUNT", message: `Amount must be at most ${MAX_AMOUNT} credits.`, field };
  }
  return null;
}

export function normaliseMemo(memo: string | null | undefined): string | null {
  const trimmed = memo?.normalize("NFC").trim().replace(/\s+/g, " ") ?? "";
  return trimmed.length > 0 ? trimmed : null;
}

export function checkMemo(memo: string | null, field: string, required: boolean): Problem | null {
  if (memo === null) return required ? { code: "INVALID_INPUT", message: "Memo must not be empty.", field } : null;
  const problem = textProblem(memo, { label: "Memo", max: MEMO_MAX });
  return problem ? { code: "INVALID_INPUT", message: problem, field } : null;
}

