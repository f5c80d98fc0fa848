// The ledger's internal fields, as data exports call them (documents: ledger-client.graphql).
import type { InternalRequester } from "@localex/common";
import { ExportLedgerRecordsDocument } from "./ledger-client.generated.ts";

/** The ledger section of a member's export: a MemberRecordSection as JSON text. */
export async function exportLedgerRecords(internal: InternalRequester, userId: string): Promise<string> {
  return (await internal.request("ledger", ExportLedgerRecordsDocument, { userId })).exportLedgerRecords;
}
