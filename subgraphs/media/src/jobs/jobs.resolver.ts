import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from "type-graphql";
import { deliveredOrNotice, pageSize, requireAdmin, requireCaller, toPayload, type Connection, type DeliveryNotice } from "@localex/common";
import type { MediaContext } from "../context.ts";
import type { JobRow, JobStatusName, MediaRow } from "../db/schema.ts";
import { Media } from "../media/media.type.ts";
import { Job, JobConnection, JobStatus, RetryJobPayload } from "./job.type.ts";
import { followJob } from "./job-updates.ts";
import { canSeeJob } from "./visibility.ts";

@Resolver(() => Job)
export class JobsResolver {
  @Query(() => Job, { nullable: true, description: "A job, for its owner and admins; null for anyone else." })
  async job(@Arg("id", () => ID) id: string, @Ctx() ctx: MediaContext): Promise<Job | null> {
    const job = await ctx.loaders.jobById.load(id);
    return job && canSeeJob(job, ctx.caller) ? job : null;
  }

  @Subscription(() => Job, {
    description: "The job's current state, then every change (status, progress, attempts); its owner and admins only.",
    subscribe: ({ args, context }) => {
      const ctx = context as MediaContext;
      return followJob(ctx.services.events, ctx.services.jobsStore, ctx.caller, (args as { id: string }).id);
    },
  })
  jobUpdated(@Arg("id", () => ID) _id: string, @Root() job: JobRow | DeliveryNotice): JobRow {
    return deliveredOrNotice(job);
  }

  @Query(() => JobConnection, { description: "Admins only: jobs in a status (every job without one), most recently changed first." })
  async jobs(
    @Arg("status", () => JobStatus, { nullable: true }) status: JobStatusName | null,
    @Arg("first", () => Int, { nullable: true }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: MediaContext,
  ): Promise<Connection<JobRow>> {
    requireAdmin(ctx.caller);
    return ctx.services.jobsStore.page(status ?? null, pageSize(first), after ?? null);
  }

  @Mutation(() => RetryJobPayload, {
    description: "Runs a DEAD job again; its owner or an admin. Refused as data: NOT_FOUND, CONFLICT (not DEAD, or its input was refused).",
  })
  async retryJob(@Arg("id", () => ID) id: string, @Ctx() ctx: MediaContext): Promise<RetryJobPayload> {
    return toPayload(await ctx.services.processing.retry(requireCaller(ctx.caller), id), "job");
  }

  @FieldResolver(() => Media, { nullable: true, description: "The media the job processes." })
  async media(@Root() job: JobRow, @Ctx() ctx: MediaContext): Promise<MediaRow | null> {
    return job.mediaId ? ctx.loaders.mediaById.load(job.mediaId) : null;
  }
}
