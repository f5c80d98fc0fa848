// Listings' internal fields, as reports call them (documents: listings-client.graphql).
import { unavailable, type InternalRequester } from "@localex/common";
import { ReportedListingDocument, type ReportedListingQuery } from "./listings-client.generated.ts";

export type ReportedListing = ReportedListingQuery["tradeListingInfo"][number];

/** The listing, or null when listings knows no such listing. SUBGRAPH_UNAVAILABLE when listings does not answer. */
export async function reportedListing(internal: InternalRequester, listingId: string): Promise<ReportedListing | null> {
  const data = await internal
    .request("listings", ReportedListingDocument, { ids: [listingId] })
    .catch((e: unknown) => Promise.reject(unavailable("listings", e)));
  return data.tradeListingInfo.find((l) => l.id === listingId) ?? null;
}
