import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from "type-graphql";
import { requireCaller, toPayload } from "@localex/common";
import type { MediaContext } from "../context.ts";
import type { ImageVariantName, MediaRow } from "../db/schema.ts";
import { Job } from "../jobs/job.type.ts";
import { canSeeJob } from "../jobs/visibility.ts";
import { DeleteMediaPayload, ImageVariant, Media } from "./media.type.ts";

@Resolver(() => Media)
export class MediaResolver {
  @FieldResolver(() => String, {
    nullable: true,
    description: "Null until READY; a private document's URL is signed, short-lived, and for its owner and admins only.",
  })
  url(
    @Root() media: MediaRow,
    @Arg("variant", () => ImageVariant, { defaultValue: ImageVariant.ORIGINAL }) variant: ImageVariantName,
    @Ctx() ctx: MediaContext,
  ): Promise<string | null> {
    return ctx.services.media.url(media, variant, ctx.caller, () => ctx.loaders.currentAdmin.load("caller"));
  }

  @FieldResolver(() => Job, { nullable: true, description: "The processing job; its owner and admins only." })
  async job(@Root() media: MediaRow, @Ctx() ctx: MediaContext): Promise<Job | null> {
    if (!media.jobId) return null;
    const job = await ctx.loaders.jobById.load(media.jobId);
    return job && canSeeJob(job, ctx.caller) ? job : null;
  }

  @Mutation(() => DeleteMediaPayload, {
    description: "Deletes your photo, avatar or document, with every stored variant. Refused as data: NOT_FOUND, FORBIDDEN (not yours).",
  })
  async deleteMedia(@Arg("id", () => ID) id: string, @Ctx() ctx: MediaContext): Promise<DeleteMediaPayload> {
    const outcome = await ctx.services.media.delete(requireCaller(ctx.caller), id);
    return { ...toPayload(outcome, "deleted"), deleted: outcome.ok }; // `deleted` is non-null: false when refused
  }
}
