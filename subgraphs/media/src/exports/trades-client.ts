// Trades' internal fields, as data exports call them (documents: trades-client.graphql).
import type { InternalRequester } from "@localex/common";
import { ExportTradeRecordsDocument } from "./trades-client.generated.ts";

/** The trades section of a member's export: a MemberRecordSection as JSON text. */
export async function exportTradeRecords(internal: InternalRequester, userId: string): Promise<string> {
  return (await internal.request("trades", ExportTradeRecordsDocument, { userId })).exportTradeRecords;
}
