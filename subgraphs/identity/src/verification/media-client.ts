// Media's internal fields, as verification calls them (documents: media-client.graphql).
import type { InternalRequester } from "@localex/common";
import { VerificationDocumentsDocument } from "./media-client.generated.ts";

/** Of `ids`, the member's own private documents that are processed (READY). */
export async function verificationDocuments(internal: InternalRequester, userId: string, ids: string[]): Promise<string[]> {
  return (await internal.request("media", VerificationDocumentsDocument, { userId, ids })).verificationDocuments;
}
