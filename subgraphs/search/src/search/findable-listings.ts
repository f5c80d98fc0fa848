import type { InternalRequester, Logger } from "@localex/common";
import { unfindableListingIds } from "./listings-client.ts";

/**
 * The index lags the listings subgraph by one job: a listing unpublished, reserved or traded a
 * moment ago can still be a hit. The gateway would then resolve a listing the caller may not see
 * (null where `Listing!` is promised), and the whole page would be lost. So before answering,
 * search asks listings which of its hits are no longer findable and leaves those out.
 */
export class FindableListings {
  constructor(
    private readonly internal: InternalRequester,
    private readonly log: Logger,
  ) {}

  /** The ids, in order, without those listings says are no longer findable. */
  async keep(ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    let unfindable: string[];
    try {
      unfindable = await unfindableListingIds(this.internal, [...new Set(ids)]);
    } catch (e) {
      // Listings down: the gateway cannot resolve these listings either, and says so; the hits
      // (ids, scores, facets) are still worth answering with.
      this.log.warn({ err: e }, "could not ask listings which hits are still findable; answering the index's hits");
      return [...ids];
    }
    if (unfindable.length === 0) return [...ids];
    const gone = new Set(unfindable);
    return ids.filter((id) => !gone.has(id));
  }
}
