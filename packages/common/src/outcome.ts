import type { ErrorCode } from "./error-codes.ts";
import { userError, type UserError } from "./graphql/user-error.ts";

/**
 * What every service answers with (issue 21): the operation happened (`ok: true`, its value), or
 * it was refused for a reason the member can act on (`ok: false`, a registered code). Unexpected
 * faults are thrown, never returned. Resolvers turn an Outcome into a mutation's payload with
 * `toPayload`, and nothing else builds a payload; services and stores never know GraphQL.
 */
export type Outcome<T> = Accepted<T> | Refusal;

export interface Accepted<T> {
  readonly ok: true;
  readonly value: T;
}

export interface Refusal {
  readonly ok: false;
  readonly code: ErrorCode;
  readonly message: string;
  /** The input at fault, as the dotted path of the mutation's argument (`input.handle`), when one is. */
  readonly field: string | null;
  /** Further refusals found in the same check (a form's every invalid field), answered after this one. */
  readonly also?: readonly Refusal[];
}

export function accepted<T>(value: T): Accepted<T>;
export function accepted(): Accepted<void>;
export function accepted<T>(value?: T): Accepted<T | undefined> {
  return { ok: true, value };
}

export function refusal(code: ErrorCode, message: string, field?: string | null): Refusal {
  return { ok: false, code, message, field: field ?? null };
}

/** Every refusal of a check that reports all it finds at once: the first, carrying the others. */
export function refusals(first: Refusal, ...others: Refusal[]): Refusal {
  return others.length === 0 ? first : { ...first, also: [...(first.also ?? []), ...others] };
}

/** A payload's `errors`: the refusal, or none. */
export type PayloadOf<F> = { [K in keyof F]: F[K] | null } & { errors: UserError[] };

/**
 * The one mapping from an Outcome to a mutation's payload. `toPayload(outcome, "trade")` answers
 * `{ trade, errors: [] }` or `{ trade: null, errors: [refusal] }`; `toPayload(outcome)` spreads an
 * accepted value that is already the payload's fields (`{ trade, quote }`).
 */
export function toPayload<K extends string, T>(outcome: Outcome<T>, key: K): PayloadOf<Record<K, T>>;
export function toPayload<F extends object>(outcome: Outcome<F>): Partial<PayloadOf<F>> & { errors: UserError[] };
export function toPayload(outcome: Outcome<unknown>, key?: string): Record<string, unknown> {
  if (!outcome.ok) {
    const errors = [outcome, ...(outcome.also ?? [])].map((r) => userError(r.code, r.message, r.field ?? undefined));
    return key === undefined ? { errors } : { [key]: null, errors };
  }
  if (key !== undefined) return { [key]: outcome.value, errors: [] };
  return { ...(outcome.value as object), errors: [] };
}

/** Runs `next` on an accepted value; a refusal passes through unchanged. */
export async function andThen<T, U>(outcome: Outcome<T>, next: (value: T) => Promise<Outcome<U>> | Outcome<U>): Promise<Outcome<U>> {
  return outcome.ok ? next(outcome.value) : outcome;
}
