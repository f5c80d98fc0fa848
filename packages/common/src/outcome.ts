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
  /** Further refusals of the same request, answered with it (every input at fault at once): `refusals`. */
  readonly also?: readonly Refusal[];
  /** The refused thing as it stands now, which the payload still shows beside the errors: `showing`. */
  readonly current?: unknown;
}

export function accepted<T>(value: T): Accepted<T>;
export function accepted(): Accepted<void>;
export function accepted<T>(value?: T): Accepted<T | undefined> {
  return { ok: true, value };
}

export function refusal(code: ErrorCode, message: string, field?: string | null): Refusal {
  return { ok: false, code, message, field: field ?? null };
}

/** Several refusals of one request as one, the first leading (each becomes one of the payload's errors); null when none. */
export function refusals(all: readonly Refusal[]): Refusal | null {
  const [first, ...rest] = all;
  if (!first) return null;
  return rest.length > 0 ? { ...first, also: rest } : first;
}

/**
 * The refusal, with the thing as it stands now (a trade the caller may see, unchanged): the
 * payload shows it under its key, or spreads it, beside the errors.
 */
export function showing(refused: Refusal, current: unknown): Refusal {
  return { ...refused, current };
}

/** A payload's `errors`: the refusal, or none. */
export type PayloadOf<F> = { [K in keyof F]: F[K] | null } & { errors: UserError[] };

/**
 * The one mapping from an Outcome to a mutation's payload. `toPayload(outcome, "trade")` answers
 * `{ trade, errors: [] }` or `{ trade: null, errors: [refusal] }` (the trade as it stands when the
 * refusal is `showing` it; one error per refusal of `refusals`); `toPayload(outcome)` spreads an
 * accepted value that is already the payload's fields (`{ trade, quote }`).
 */
export function toPayload<K extends string, T>(outcome: Outcome<T>, key: K): PayloadOf<Record<K, T>>;
export function toPayload<F extends object>(outcome: Outcome<F>): Partial<PayloadOf<F>> & { errors: UserError[] };
export function toPayload(outcome: Outcome<unknown>, key?: string): Record<string, unknown> {
  if (!outcome.ok) {
    const errors = [outcome, ...(outcome.also ?? [])].map((r) => userError(r.code, r.message, r.field ?? undefined));
    const current = outcome.current ?? null;
    if (key === undefined) return { ...(current as object | null), errors };
    return { [key]: current, errors };
  }
  if (key !== undefined) return { [key]: outcome.value, errors: [] };
  return { ...(outcome.value as object), errors: [] };
}

/** Runs `next` on an accepted value; a refusal passes through unchanged. */
export async function andThen<T, U>(outcome: Outcome<T>, next: (value: T) => Promise<Outcome<U>> | Outcome<U>): Promise<Outcome<U>> {
  return outcome.ok ? next(outcome.value) : outcome;
}
