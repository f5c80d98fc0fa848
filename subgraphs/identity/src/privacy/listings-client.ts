// Listings' internal fields, as privacy calls them (documents: listings-client.graphql).
import type { InternalRequester } from "@localex/common";
import { WithdrawMemberListingsDocument } from "./listings-client.generated.ts";

/** The deletion's withdraw-listings step (idempotent). */
export async function withdrawMemberListings(internal: InternalRequester, userId: string): Promise<void> {
  await internal.request("listings", WithdrawMemberListingsDocument, { userId });
}
