// Listings' internal fields, as search's reindex calls them (documents: listings-client.graphql).
import type { InternalRequester } from "@localex/common";
import { ListingDocumentsDocument, type ListingDocumentsQuery } from "./listings-client.generated.ts";

/** One page of every listing, any status: each document a JSON ListingDocument, and where the next page starts (null: the last). */
export type ListingDocumentPage = ListingDocumentsQuery["listingDocuments"];

export async function listingDocuments(internal: InternalRequester, after: string | null, first: number): Promise<ListingDocumentPage> {
  return (await internal.request("listings", ListingDocumentsDocument, { after, first })).listingDocuments;
}
