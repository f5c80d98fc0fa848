import { InternalCallError, type InternalClient } from "@localex/common";
import type { StatementRow, StatementTotals } from "./statement-csv.ts";

/** What a statement job was asked for (the job row's `input`). */
export interface StatementInput {
  from: string | null;
  to: string;
  kinds: string[] | null;
}

/** Rows asked of the ledger per call: a page is all a job holds in memory at once. */
export const STATEMENT_PAGE_ROWS = 1000;

const PAGE = /* GraphQL */ `
  query ($userId: ID!, $from: DateTime, $to: DateTime, $kinds: [String!], $after: String, $first: Int, $withTotals: Boolean!) {
    ledgerStatement(userId: $userId, from: $from, to: $to, kinds: $kinds, after: $after, first: $first) {
      rows { at kind memo counterpartyId amount balanceAfter }
      nextCursor
      totals @include(if: $withTotals) { count credited debited net openingBalance closingBalance }
    }
  }
`;

interface Page {
  rows: StatementRow[];
  nextCursor: string | null;
  totals?: StatementTotals;
}

/**
 * The member's statement from the ledger (its internal `ledgerStatement`), one page at a time,
 * oldest first: the first page brings the totals too. Keyset pages, so a page costs the same
 * however deep into a long history it is.
 */
export async function* ledgerStatementPages(internal: InternalClient, userId: string, input: StatementInput, pageRows = STATEMENT_PAGE_ROWS): AsyncGenerator<Page> {
  let after: string | null = null;
  do {
    const data: { ledgerStatement?: Page } = await internal.request("ledger", PAGE, { userId, ...input, after, first: pageRows, withTotals: after === null });
    const page = data.ledgerStatement;
    if (!page) throw new InternalCallError("ledger", "INTERNAL_SERVER_ERROR", "ledgerStatement answered nothing");
    yield page;
    after = page.nextCursor;
  } while (after !== null);
}
