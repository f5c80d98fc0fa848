// Listings' internal fields, as search's answers call them (documents: listings-client.graphql).
import type { InternalRequester } from "@localex/common";
import { UnfindableListingIdsDocument } from "./listings-client.generated.ts";

/** Of these ids, the listings that exist and are no longer findable (not ACTIVE). */
export async function unfindableListingIds(internal: InternalRequester, ids: string[]): Promise<string[]> {
  return (await internal.request("listings", UnfindableListingIdsDocument, { ids })).unfindableListingIds;
}
