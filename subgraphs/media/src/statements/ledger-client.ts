// The ledger's internal fields, as statements call them (documents: ledger-client.graphql).
import type { InternalRequester } from "@localex/common";
import { StatementPageDocument, type StatementPageQuery, type StatementPageQueryVariables } from "./ledger-client.generated.ts";

/** One page of a member's statement, oldest first; `totals` only when asked for (the first page). */
export type StatementPage = StatementPageQuery["ledgerStatement"];
/** One entry as the ledger's `ledgerStatement` answers it. */
export type StatementRow = StatementPage["rows"][number];
/** What the ledger's totals say about the range (its LedgerTotals). */
export type StatementTotals = NonNullable<StatementPage["totals"]>;

export async function statementPage(internal: InternalRequester, variables: StatementPageQueryVariables): Promise<StatementPage> {
  return (await internal.request("ledger", StatementPageDocument, variables)).ledgerStatement;
}
