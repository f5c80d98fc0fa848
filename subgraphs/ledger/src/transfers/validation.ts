import type { ErrorCode } from "@localex/common";
import { IDEMPOTENCY_KEY_MAX, MAX_AMOUNT, MEMO_MAX } from "./limits.ts";

export interface Problem {
  code: ErrorCode;
  message: string;
  field: string;
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028-\u202e\u2066-\u2069]/;

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
  if (memo.length > MEMO_MAX) return { code: "INVALID_INPUT", message: `Memo must be at most ${MEMO_MAX} characters.`, field };
  if (CONTROL.test(memo)) return { code: "INVALID_INPUT", message: "Memo must not contain control characters.", field };
  return null;
}

export function checkIdempotencyKey(key: string): Problem | null {
  if (key.length === 0 || key.length > IDEMPOTENCY_KEY_MAX || CONTROL.test(key)) {
    return {
      code: "INVALID_INPUT",
      message: `idempotencyKey must be 1 to ${IDEMPOTENCY_KEY_MAX} printable characters (a UUID is a good choice).`,
      field: "idempotencyKey",
    };
  }
  return null;
}
