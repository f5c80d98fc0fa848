import type { InternalRequester } from "@localex/common";
import { statementPage, type StatementPage } from "./ledger-client.ts";

/** What a statement job was asked for (the job row's `input`). */
export interface StatementInput {
  from: string | null;
  to: string;
  kinds: string[] | null;
}

/** Rows asked of the ledger per call: a page is all a job holds in memory at once. */
export const STATEMENT_PAGE_ROWS = 1000;

/**
 * The member's statement from the ledger (its internal `ledgerStatement`), one page at a time,
 * oldest first: the first page brings the totals too. Keyset pages, so a page costs the same
 * however deep into a long history it is.
 */
export async function* ledgerStatementPages(
  internal: InternalRequester,
  userId: string,
  input: StatementInput,
  pageRows = STATEMENT_PAGE_ROWS,
): AsyncGenerator<StatementPage> {
  let after: string | null = null;
  do {
    const page = await statementPage(internal, { userId, ...input, after, first: pageRows, withTotals: after === null });
    yield page;
    after = page.nextCursor;
  } while (after !== null);
}
