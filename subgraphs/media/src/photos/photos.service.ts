import { and, eq, inArray, ne, sql } from "drizzle-orm";
import { badUserInput, forbidden, notFound, type Caller } from "@localex/common";
import { media, type MediaRow } from "../db/schema.ts";
import type { MediaStore } from "../media/media.store.ts";
import type { ListingOwners } from "./listing-owners.ts";

export class PhotosService {
  constructor(
    private readonly store: MediaStore,
    private readonly listings: ListingOwners,
  ) {}

  async reorder(caller: Caller, listingId: string, mediaIds: string[]): Promise<MediaRow[]> {
    const refusal = await this.listings.refusal(caller.userId, listingId);
    if (refusal?.code === "NOT_FOUND") throw notFound("Listing");
    if (refusal?.code === "FORBIDDEN") throw forbidden(refusal.message);
    if (refusal) throw badUserInput(refusal.message, "listingId");
    return this.store.db.transaction(async (tx) => {
      await this.store.lockOwner(tx, caller.userId);
      const current = await tx
        .select({ id: media.id })
        .from(media)
        .where(and(eq(media.listingId, listingId), ne(media.status, "FAILED")));
      const expected = new Set(current.map((r) => r.id));
      const given = new Set(mediaIds);
      if (given.size !== mediaIds.length || given.size !== expected.size || ![...given].every((id) => expected.has(id))) {
        throw badUserInput(`mediaIds must name each of the listing's ${expected.size} photos exactly once.`, "mediaIds");
      }
      if (mediaIds.length === 0) return [];
      const positions = sql.join(
        mediaIds.map((id, i) => sql`when ${id}::uuid then ${i}::int`),
        sql` `,
      );
      return tx
        .update(media)
        .set({ position: sql`case ${media.id} ${positions} end`, updatedAt: sql`now()` })
        .where(inArray(media.id, mediaIds))
        .returning()
        .then((rows) => rows.sort((a, b) => a.position - b.position));
    });
  }
}
