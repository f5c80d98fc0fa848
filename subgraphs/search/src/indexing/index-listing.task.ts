import { jobTask, TASKS, type Logger, type TaskList } from "@localex/common";
import type { SearchIndex } from "../index-port/search-index.ts";
import { storableDocument } from "./listing-document.ts";

/**
 * `search:index-listing` (docs/contracts.md): store the snapshot unless a newer one is
 * indexed. A malformed payload is logged and dropped (jobTask); an engine fault throws, and
 * the queue retries with backoff.
 */
export function indexListingTasks(index: SearchIndex, log: Logger): TaskList {
  return {
    [TASKS.indexListing]: jobTask(TASKS.indexListing, log, async ({ listing }) => {
      const document = storableDocument(listing);
      const outcome = await index.upsert(document);
      log.debug({ listingId: document.id, version: document.version, outcome }, "index-listing");
    }),
  };
}
