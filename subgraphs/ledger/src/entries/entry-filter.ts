import { badInput } from "@localex/common";

export const ENTRY_KINDS = ["transfer", "grant", "welcome", "escrow"] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];

/** Which entries a statement selects: created at or after `from`, before `to`, of these kinds (all when null). */
export interface EntryFilter {
  from: Date | null;
  to: Date | null;
  kinds: EntryKind[] | null;
}

/** What is wrong with a filter's arguments, naming the argument. */
export interface FilterProblem {
  message: string;
  field: "to" | "kinds";
}

/** The filter from the arguments, or what is wrong with them: an unknown kind, or a range that ends before it begins. */
export function checkEntryFilter(
  from: Date | null | undefined,
  to: Date | null | undefined,
  kinds: readonly string[] | null | undefined,
): { filter: EntryFilter; problem: null } | { filter: null; problem: FilterProblem } {
  if (from && to && to.getTime() < from.getTime()) return { filter: null, problem: { message: "`to` is before `from`.", field: "to" } };
  const unknown = kinds?.find((k) => !(ENTRY_KINDS as readonly string[]).includes(k));
  if (unknown !== undefined) {
    return { filter: null, problem: { message: `Unknown kind "${unknown.slice(0, 40)}"; the kinds are ${ENTRY_KINDS.join(", ")}.`, field: "kinds" } };
  }
  return { filter: { from: from ?? null, to: to ?? null, kinds: kinds && kinds.length > 0 ? [...new Set(kinds as EntryKind[])] : null }, problem: null };
}

/** The filter from the query's arguments; BAD_USER_INPUT for an unknown kind or a range that ends before it begins. */
export function entryFilter(from: Date | null | undefined, to: Date | null | undefined, kinds: readonly string[] | null | undefined): EntryFilter {
  const checked = checkEntryFilter(from, to, kinds);
  if (checked.problem) throw badInput(checked.problem.message, checked.problem.field);
  return checked.filter;
}
