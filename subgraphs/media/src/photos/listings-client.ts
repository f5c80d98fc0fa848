// Listings' internal fields, as photos call them (documents: listings-client.graphql).
import type { InternalRequester } from "@localex/common";
import { MediaListingOwnersDocument, type MediaListingOwnersQuery } from "./listings-client.generated.ts";

/** Who owns a listing, and its status (a ListingStatus name). */
export type ListingOwnership = MediaListingOwnersQuery["tradeListingInfo"][number];

/** The listings among `ids` that exist. */
export async function listingOwners(internal: InternalRequester, ids: readonly string[]): Promise<ListingOwnership[]> {
  return (await internal.request("listings", MediaListingOwnersDocument, { ids: [...ids] })).tradeListingInfo;
}
