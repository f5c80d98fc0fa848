import { badUserInput } from "./errors.ts";
import { userError, type UserError } from "./graphql/user-error.ts";

/**
 * The one rule for text people type: C0/C1 controls, zero-width characters, bidirectional
 * overrides and the byte-order mark are refused (invisible, and used to spoof text); multi-line
 * text may keep line breaks and tabs. Lengths count characters (code points), not UTF-16 units.
 */
const CONTROL_IN_LINE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/;
const CONTROL_IN_TEXT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/;

export interface TextRule {
  /** What the field is called in the message ("Reason", "Email"). */
  label: string;
  max: number;
  /** At least this many characters (after trimming); 0 allows empty. */
  min?: number;
  /** Line breaks and tabs allowed (descriptions, messages). */
  multiline?: boolean;
}

/** Characters, not UTF-16 units: an emoji counts once. */
export const textLength = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/** Returns why `value` breaks the rule, or null. Check the length first so huge input is cheap to refuse. */
export function textProblem(value: string, rule: TextRule): string | null {
  // A string of more UTF-16 units than twice the limit cannot fit: refuse without walking it.
  if (value.length > rule.max * 2 || textLength(value) > rule.max) return `${rule.label} must be at most ${rule.max} characters.`;
  if (rule.min && textLength(value.trim()) < rule.min) {
    return rule.min === 1 ? `${rule.label} must not be empty.` : `${rule.label} must be at least ${rule.min} characters.`;
  }
  if ((rule.multiline ? CONTROL_IN_TEXT : CONTROL_IN_LINE).test(value)) {
    return rule.multiline
      ? `${rule.label} must not contain control characters other than line breaks and tabs.`
      : `${rule.label} must not contain control characters.`;
  }
  return null;
}

/** Most items any list argument or input may carry, unless a field sets a smaller cap. */
export const LIST_MAX = 100;

/** Refuses a list argument longer than `max` (BAD_USER_INPUT naming it), before any work on its items. */
export function checkListSize(list: readonly unknown[] | null | undefined, field: string, max: number = LIST_MAX): void {
  if (list && list.length > max) throw badUserInput(`\`${field}\` may hold at most ${max} items.`, field);
}

/** Longest idempotency key any mutation takes (a UUID is a good choice). */
export const IDEMPOTENCY_KEY_MAX = 200;

/** An idempotency key (createListing, proposeTrade, acceptTrade, transferCredits, ...): 1 to 200 characters, one line. */
export function idempotencyKeyProblem(key: string): UserError | null {
  const problem = textProblem(key, { label: "The idempotency key", max: IDEMPOTENCY_KEY_MAX, min: 1 });
  return problem ? userError("INVALID_INPUT", problem, "idempotencyKey") : null;
}

/** A size as people read it in a message: "25 MB", "300 KB", "12 bytes". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}
