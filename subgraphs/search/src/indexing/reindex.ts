import type { InternalRequester, ListingDocument, Logger } from "@localex/common";
import type { SearchIndex } from "../index-port/search-index.ts";
import { parseListingDocument } from "./listing-document.ts";
import { listingDocuments, type ListingDocumentPage } from "./listings-client.ts";

/** Every listing, any status, page by page from the listings subgraph's internal query. */
export async function* listingDocumentPages(internal: InternalRequester, log: Logger, pageSize = 100): AsyncGenerator<ListingDocument[]> {
  let after: string | null = null;
  do {
    const page: ListingDocumentPage = await listingDocuments(internal, after, pageSize);
    const documents: ListingDocument[] = [];
    for (const json of page.documents) {
      let value: unknown;
      try {
        value = JSON.parse(json);
      } catch {
        value = undefined;
      }
      const parsed = parseListingDocument(value);
      if (parsed.ok) documents.push(parsed.document);
      else log.error({ problem: parsed.problem }, "reindex skipped a malformed listing document");
    }
    yield documents;
    after = page.nextCursor;
  } while (after);
}

/** `pnpm search:reindex`: rebuilds the whole index from the listings subgraph. */
export async function reindexFromListings(index: SearchIndex, internal: InternalRequester, log: Logger): Promise<{ documents: number }> {
  return index.rebuild(listingDocumentPages(internal, log));
}
