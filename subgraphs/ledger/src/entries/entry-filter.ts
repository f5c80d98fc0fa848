import { badInput } from "@localex/common";

export const ENTRY_KINDS = ["transfer", "grant", "welcome", "escrow"] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];

/** Which entries a statement selects: created at or after `from`, before `to`, of these kinds (all when null). */
export interface EntryFilter {
  from: Date | null;
  to: Date | null;
  kinds: EntryKind[] | null;
}

/** The filter from the query's arguments; BAD_USER_INPUT for an unknown kind or a range that ends before it begins. */
export function entryFilter(from: Date | null | undefined, to: Date | null | undefined, kinds: string[] | null | undefined): EntryFilter {
  if (from && to && to.getTime() < from.getTime()) throw badInput("`to` is before `from`.", "to");
  const unknown = kinds?.find((k) => !(ENTRY_KINDS as readonly string[]).includes(k));
  if (unknown !== undefined) throw badInput(`Unknown kind "${unknown.slice(0, 40)}"; the kinds are ${ENTRY_KINDS.join(", ")}.`, "kinds");
  return { from: from ?? null, to: to ?? null, kinds: kinds && kinds.length > 0 ? [...new Set(kinds as EntryKind[])] : null };
}
