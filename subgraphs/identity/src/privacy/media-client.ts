// Media's internal fields, as privacy calls them (documents: media-client.graphql).
import type { InternalRequester } from "@localex/common";
import { ForgetMemberMediaDocument, StartDataExportDocument } from "./media-client.generated.ts";

/** A new data export job for the member; its id. */
export async function startDataExport(internal: InternalRequester, userId: string): Promise<string> {
  return (await internal.request("media", StartDataExportDocument, { userId })).startDataExport;
}

/** The deletion's forget-media step: the member's files go (idempotent). */
export async function forgetMemberMedia(internal: InternalRequester, userId: string): Promise<void> {
  await internal.request("media", ForgetMemberMediaDocument, { userId });
}
