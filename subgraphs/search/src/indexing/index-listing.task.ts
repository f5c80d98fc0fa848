import { TASKS, type Logger, type TaskList } from "@localex/common";
import type { SearchIndex } from "../index-port/search-index.ts";
import { parseListingDocument } from "./listing-document.ts";

/**
 * `search:index-listing` (docs/contracts.md): store the snapshot unless a newer one is
 * indexed. A malformed payload can never succeed, so it is logged and dropped rather
 * than retried; an engine fault throws, and the queue retries with backoff.
 */
export function indexListingTasks(index: SearchIndex, log: Logger): TaskList {
  return {
    [TASKS.indexListing]: async (payload) => {
      const listing = typeof payload === "object" && payload !== null && "listing" in payload ? payload.listing : undefined;
      const parsed = parseListingDocument(listing);
      if (!parsed.ok) {
        log.error({ task: TASKS.indexListing, problem: parsed.problem }, "dropped a malformed index-listing job");
        return;
      }
      const outcome = await index.upsert(parsed.document);
      log.debug({ listingId: parsed.document.id, version: parsed.document.version, outcome }, "index-listing");
    },
  };
}
