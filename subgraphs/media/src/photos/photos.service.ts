import { accepted, refusal, type Caller, type Outcome } from "@localex/common";
import type { MediaRow } from "../db/schema.ts";
import type { MediaStore } from "../media/media.store.ts";
import type { ListingOwners } from "./listing-owners.ts";

export class PhotosService {
  constructor(
    private readonly store: MediaStore,
    private readonly listings: ListingOwners,
  ) {}

  /** The listing's photos in their new order; refused (nothing changed) for another's listing or a wrong list. */
  async reorder(caller: Caller, listingId: string, mediaIds: string[]): Promise<Outcome<MediaRow[]>> {
    const denied = await this.listings.refusal(caller.userId, listingId);
    if (denied) return refusal(denied.code, denied.message, "listingId");
    return this.store.db.transaction(async (tx): Promise<Outcome<MediaRow[]>> => {
      await this.store.lockOwner(tx, caller.userId);
      const expected = new Set(await this.store.photoIdsOf(tx, listingId));
      const given = new Set(mediaIds);
      if (given.size !== mediaIds.length || given.size !== expected.size || ![...given].every((id) => expected.has(id))) {
        return refusal("INVALID_INPUT", `mediaIds must name each of the listing's ${expected.size} photos exactly once.`, "mediaIds");
      }
      if (mediaIds.length === 0) return accepted([]);
      return accepted(await this.store.setPositions(tx, mediaIds));
    });
  }
}
