import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root, Subscription } from "type-graphql";
import { requireCaller, type Caller } from "@localex/common";
import type { MediaContext } from "../context.ts";
import type { JobRow, MediaRow } from "../db/schema.ts";
import { Media } from "../media/media.type.ts";
import { Job } from "./job.type.ts";

export const canSeeJob = (job: Pick<JobRow, "ownerId">, caller: Caller | null): boolean =>
  caller !== null && (caller.userId === job.ownerId || caller.role === "admin");

@Resolver(() => Job)
export class JobsResolver {
  @Query(() => Job, { nullable: true, description: "A job, for its owner and admins; null for anyone else." })
  async job(@Arg("id", () => ID) id: string, @Ctx() ctx: MediaContext): Promise<Job | null> {
    const job = await ctx.loaders.jobById.load(id);
    return job && canSeeJob(job, ctx.caller) ? job : null;
  }

  @Subscription(() => Job, {
    description: "The job's current state, then every change (status, progress, attempts); its owner and admins only.",
    subscribe: () => {
      throw new Error("jobUpdated is served by the gateway from job events.");
    },
  })
  jobUpdated(@Arg("id", () => ID) _id: string, @Root() job: JobRow): JobRow {
    return job;
  }

  @Mutation(() => Job, { description: "Runs a FAILED job again (when `retryable`); its owner or an admin." })
  async retryJob(@Arg("id", () => ID) id: string, @Ctx() ctx: MediaContext): Promise<Job> {
    return ctx.services.processing.retry(requireCaller(ctx.caller), id);
  }

  @FieldResolver(() => Media, { nullable: true, description: "The media the job processes." })
  async media(@Root() job: JobRow, @Ctx() ctx: MediaContext): Promise<MediaRow | null> {
    return job.mediaId ? ctx.loaders.mediaById.load(job.mediaId) : null;
  }
}
