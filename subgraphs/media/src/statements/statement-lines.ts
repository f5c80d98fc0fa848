import type { InternalRequester } from "@localex/common";
import type { StatementTotals } from "./ledger-client.ts";
import { ledgerStatementPages, STATEMENT_PAGE_ROWS, type StatementInput } from "./ledger-pages.ts";
import { entryLine, headerLine, openingLine, totalsLine } from "./statement-csv.ts";

/** The ledger's entries changed under the job (a posting in the range committed late): the attempt fails and is retried. */
export class StatementMoved extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StatementMoved";
  }
}

/**
 * The member's statement as CSV, one chunk per page of the ledger's entries, each page asked for
 * only once the previous chunk has been taken: a consumer that streams (the blob store's upload)
 * never makes it hold more than a page. The totals row is the ledger's totals for the range (what
 * ledgerEntries answers), checked against the rows written: when they differ the generator throws,
 * so the upload is abandoned and the attempt retried.
 */
export async function* statementLines(
  internal: InternalRequester,
  userId: string,
  input: StatementInput,
  progress: (fraction: number) => Promise<void>,
  pageRows = STATEMENT_PAGE_ROWS,
): AsyncGenerator<Buffer> {
  let totals: StatementTotals | undefined;
  const seen = { count: 0, credited: 0, debited: 0 };
  let reported = 0;
  for await (const page of ledgerStatementPages(internal, userId, input, pageRows)) {
    let chunk = "";
    if (!totals) {
      totals = page.totals;
      if (!totals) throw new Error("ledgerStatement's first page has no totals");
      chunk += headerLine() + openingLine(input.from, totals);
    }
    for (const row of page.rows) {
      seen.count++;
      if (row.amount > 0) seen.credited += row.amount;
      else seen.debited -= row.amount;
      chunk += entryLine(row);
    }
    yield Buffer.from(chunk);
    // Progress up to 0.9 as pages go (every 5 % at most); 1 when the job has SUCCEEDED.
    const done = totals.count > 0 ? Math.min(seen.count / totals.count, 1) * 0.9 : 0.9;
    if (done - reported >= 0.05) {
      reported = done;
      await progress(done);
    }
  }
  if (!totals || seen.count !== totals.count || seen.credited !== totals.credited || seen.debited !== totals.debited) {
    throw new StatementMoved(`The entries read (${JSON.stringify(seen)}) differ from the ledger's totals (${JSON.stringify(totals)}).`);
  }
  yield Buffer.from(totalsLine(input.to, totals));
}
