// Listings' internal fields, as data exports call them (documents: listings-client.graphql).
import type { InternalRequester } from "@localex/common";
import { ExportListingRecordsDocument } from "./listings-client.generated.ts";

/** The listings section of a member's export: a MemberRecordSection as JSON text. */
export async function exportListingRecords(internal: InternalRequester, userId: string): Promise<string> {
  return (await internal.request("listings", ExportListingRecordsDocument, { userId })).exportListingRecords;
}
