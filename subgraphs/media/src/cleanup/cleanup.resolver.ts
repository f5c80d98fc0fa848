import { Ctx, Directive, Field, Int, Mutation, ObjectType, Resolver } from "type-graphql";
import { requireService } from "@localex/common";
import type { MediaContext } from "../context.ts";

@ObjectType()
@Directive("@inaccessible")
export class MediaCleanupReport {
  @Field(() => Int) abandonedUploads!: number;
  @Field(() => Int) failedMedia!: number;
  @Field(() => Int) photosOfGoneListings!: number;
  @Field(() => Int) strayBlobs!: number;
}

@Resolver()
export class CleanupResolver {
  @Mutation(() => MediaCleanupReport, { description: "Internal: runs the orphan cleanup now (it also runs hourly)." })
  @Directive("@inaccessible")
  async runMediaCleanup(@Ctx() ctx: MediaContext): Promise<MediaCleanupReport> {
    requireService(ctx.caller, "Mutation.runMediaCleanup");
    return ctx.services.cleanup.run();
  }
}
