/**
 * A member's ledger statement as CSV (RFC 4180): a header, an opening row, one row per entry
 * (oldest first), a totals row; every line ends CRLF and has the same seven fields. Amounts are
 * whole credits, never signed: what came in is `credited`, what went out `debited`.
 */

import type { StatementRow, StatementTotals } from "./ledger-client.ts";

export const STATEMENT_COLUMNS = ["date", "kind", "description", "counterpart_id", "credited", "debited", "balance_after"] as const;

type Field = string | number | null;

/** What an entry without a memo is described as. */
const KIND_DESCRIPTIONS: Record<string, string> = {
  transfer: "Transfer",
  grant: "Credits granted",
  welcome: "Welcome credits",
  escrow: "Trade settlement",
};

/**
 * One field: quoted when it holds a comma, a double quote, CR or LF (its quotes doubled). Text a
 * spreadsheet would run as a formula (starting with =, +, -, @, tab or CR) is prefixed with a
 * single quote, the usual defence against CSV injection: a memo is written by another member.
 */
export function csvField(value: Field, options: { text?: boolean } = {}): string {
  if (value === null) return "";
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new RangeError(`A statement holds whole numbers only (got ${value}).`);
    return String(value);
  }
  const text = options.text && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record, CRLF-terminated. Only `description` is free text; the other fields are ours. */
export function csvLine(fields: readonly Field[]): string {
  return `${fields.map((f, i) => csvField(f, { text: STATEMENT_COLUMNS[i] === "description" })).join(",")}\r\n`;
}

export const headerLine = (): string => csvLine(STATEMENT_COLUMNS);

/** The balance when the range begins (0 from the first entry): `date` is the range's start, empty without one. */
export const openingLine = (from: string | null, totals: StatementTotals): string =>
  csvLine([from, "opening", "Opening balance", null, null, null, totals.openingBalance]);

export function entryLine(row: StatementRow): string {
  const description = row.memo && row.memo.length > 0 ? row.memo : (KIND_DESCRIPTIONS[row.kind] ?? row.kind);
  return csvLine([
    row.at,
    row.kind,
    description,
    row.counterpartyId,
    row.amount > 0 ? row.amount : null,
    row.amount < 0 ? -row.amount : null,
    row.balanceAfter,
  ]);
}

/** ledgerEntries' totals for the range: `date` is the range's end, `balance_after` the closing balance. */
export const totalsLine = (to: string, totals: StatementTotals): string =>
  csvLine([to, "total", `Totals of ${totals.count} ${totals.count === 1 ? "entry" : "entries"}`, null, totals.credited, totals.debited, totals.closingBalance]);
