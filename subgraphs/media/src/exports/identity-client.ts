// Identity's internal fields, as data exports call them (documents: identity-client.graphql).
import type { InternalRequester } from "@localex/common";
import { ExportIdentityRecordsDocument } from "./identity-client.generated.ts";

/** The identity section of a member's export: a MemberRecordSection as JSON text. */
export async function exportIdentityRecords(internal: InternalRequester, userId: string): Promise<string> {
  return (await internal.request("identity", ExportIdentityRecordsDocument, { userId })).exportIdentityRecords;
}
