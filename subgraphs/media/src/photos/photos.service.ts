import { and, eq, inArray, ne, sql } from "drizzle-orm";
import { userError, type Caller, type UserError } from "@localex/common";
import { media, type MediaRow } from "../db/schema.ts";
import type { MediaStore } from "../media/media.store.ts";
import type { ListingOwners } from "./listing-owners.ts";

/** reorderListingPhotos' result: the photos in their new order, or why nothing changed. */
export interface ReorderOutcome {
  photos: MediaRow[] | null;
  errors: UserError[];
}

const refused = (error: UserError): ReorderOutcome => ({ photos: null, errors: [error] });

export class PhotosService {
  constructor(
    private readonly store: MediaStore,
    private readonly listings: ListingOwners,
  ) {}

  async reorder(caller: Caller, listingId: string, mediaIds: string[]): Promise<ReorderOutcome> {
    const refusal = await this.listings.refusal(caller.userId, listingId);
    if (refusal) return refused(userError(refusal.code, refusal.message, "listingId"));
    return this.store.db.transaction(async (tx) => {
      await this.store.lockOwner(tx, caller.userId);
      const current = await tx
        .select({ id: media.id })
        .from(media)
        .where(and(eq(media.listingId, listingId), ne(media.status, "FAILED")));
      const expected = new Set(current.map((r) => r.id));
      const given = new Set(mediaIds);
      if (given.size !== mediaIds.length || given.size !== expected.size || ![...given].every((id) => expected.has(id))) {
        return refused(userError("INVALID_INPUT", `mediaIds must name each of the listing's ${expected.size} photos exactly once.`, "mediaIds"));
      }
      if (mediaIds.length === 0) return { photos: [], errors: [] };
      const positions = sql.join(
        mediaIds.map((id, i) => sql`when ${id}::uuid then ${i}::int`),
        sql` `,
      );
      const photos = await tx
        .update(media)
        .set({ position: sql`case ${media.id} ${positions} end`, updatedAt: sql`now()` })
        .where(inArray(media.id, mediaIds))
        .returning()
        .then((rows) => rows.sort((a, b) => a.position - b.position));
      return { photos, errors: [] };
    });
  }
}
