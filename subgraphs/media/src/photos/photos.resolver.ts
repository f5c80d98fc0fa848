import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from "type-graphql";
import { requireCaller, checkListSize, toPayload } from "@localex/common";
import { MAX_PHOTOS_PER_LISTING } from "../uploads/intake.ts";
import type { MediaContext } from "../context.ts";
import type { MediaRow } from "../db/schema.ts";
import { Media, ReorderListingPhotosPayload } from "../media/media.type.ts";
import { canSee } from "../media/visibility.ts";
import { Listing } from "./listing.type.ts";

@Resolver(() => Listing)
export class PhotosResolver {
  @FieldResolver(() => [Media], {
    // Nullable: a media outage leaves the listing readable, photos null with a retryable error.
    nullable: true,
    description: "In the owner's order; others see READY photos only. Batched across listings. Null, with an error, while media is unavailable.",
  })
  async photos(@Root() listing: Listing, @Ctx() ctx: MediaContext): Promise<MediaRow[]> {
    const photos = await ctx.loaders.photosByListing.load(listing.id);
    return photos.filter((p) => canSee(p, ctx.caller));
  }

  @Mutation(() => ReorderListingPhotosPayload, {
    description:
      "Puts a listing's photos in this order; `mediaIds` must name each of its photos once (else INVALID_INPUT). Refused as data: NOT_FOUND, FORBIDDEN or INVALID_STATE (the listing).",
  })
  async reorderListingPhotos(
    @Arg("listingId", () => ID) listingId: string,
    @Arg("mediaIds", () => [ID]) mediaIds: string[],
    @Ctx() ctx: MediaContext,
  ): Promise<ReorderListingPhotosPayload> {
    const caller = requireCaller(ctx.caller);
    checkListSize(mediaIds, "mediaIds", MAX_PHOTOS_PER_LISTING);
    return toPayload(await ctx.services.photos.reorder(caller, listingId, mediaIds), "photos");
  }
}
