import { Arg, Ctx, ID, Mutation, Resolver } from "type-graphql";
import GraphQLUpload from "graphql-upload/GraphQLUpload.mjs";
import { accepted, andThen, requireCaller, toPayload, type FileUpload, type Outcome } from "@localex/common";
import type { MediaContext } from "../context.ts";
import type { MediaRow } from "../db/schema.ts";
import { MediaPayload } from "../media/media.type.ts";
import { CreateUploadInput, CreateUploadPayload } from "./upload.types.ts";

@Resolver()
export class UploadsResolver {
  @Mutation(() => MediaPayload, {
    description: "Adds a photo to a listing you own (a GraphQL multipart request). It is processed in the background: follow `media.job`.",
  })
  async uploadListingPhoto(
    @Arg("listingId", () => ID) listingId: string,
    @Arg("file", () => GraphQLUpload) file: Promise<FileUpload>,
    @Ctx() ctx: MediaContext,
  ): Promise<MediaPayload> {
    const caller = await startingUpload(ctx);
    return payload(ctx, await ctx.services.uploads.upload(caller, { purpose: "LISTING_PHOTO", listingId }, file));
  }

  @Mutation(() => MediaPayload, { description: "Sets your avatar (a GraphQL multipart request); it replaces the current one once processed." })
  async uploadAvatar(@Arg("file", () => GraphQLUpload) file: Promise<FileUpload>, @Ctx() ctx: MediaContext): Promise<MediaPayload> {
    const caller = await startingUpload(ctx);
    return payload(ctx, await ctx.services.uploads.upload(caller, { purpose: "AVATAR", listingId: null }, file));
  }

  @Mutation(() => CreateUploadPayload, {
    description:
      "Starts an upload straight to storage: PUT the bytes to the URL, then call completeUpload. Refused as data: INVALID_INPUT, UNSUPPORTED_TYPE or FILE_TOO_LARGE (naming the input field), NOT_FOUND, FORBIDDEN or INVALID_STATE (the listing), QUOTA_EXCEEDED, TOO_MANY_PHOTOS, MEMBER_DEPARTING.",
  })
  async createUpload(@Arg("input", () => CreateUploadInput) input: CreateUploadInput, @Ctx() ctx: MediaContext): Promise<CreateUploadPayload> {
    const caller = await startingUpload(ctx);
    const created = await andThen(await ctx.services.presigned.create(caller, input), ({ media, put }) => {
      ctx.loaders.mediaById.prime(media.id, media);
      return accepted({ media, url: put.url, method: put.method, headers: put.headers, expiresAt: put.expiresAt });
    });
    return toPayload(created, "upload");
  }

  @Mutation(() => MediaPayload, { description: "Checks what arrived at the upload URL against what createUpload declared, and starts processing." })
  async completeUpload(@Arg("mediaId", () => ID) mediaId: string, @Ctx() ctx: MediaContext): Promise<MediaPayload> {
    const caller = requireCaller(ctx.caller);
    return payload(ctx, await ctx.services.presigned.complete(caller, mediaId));
  }
}

function payload(ctx: MediaContext, outcome: Outcome<MediaRow | null>): MediaPayload {
  if (outcome.ok && outcome.value) ctx.loaders.mediaById.clear(outcome.value.id).prime(outcome.value.id, outcome.value);
  return toPayload(outcome, "media");
}

/** The signed-in uploader, within UPLOAD_PER_ACCOUNT. */
async function startingUpload(ctx: MediaContext) {
  const caller = requireCaller(ctx.caller);
  await ctx.services.rateLimits.consume("UPLOAD_PER_ACCOUNT", `account:${caller.userId}`);
  return caller;
}
