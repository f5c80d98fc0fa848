import { Arg, Ctx, Directive, FieldResolver, ID, Mutation, Resolver, Root } from "type-graphql";
import { memberIdArgument, requireService } from "@localex/common";
import type { MediaContext } from "../context.ts";
import type { JobRow } from "../db/schema.ts";
import { Job } from "../jobs/job.type.ts";

@Resolver(() => Job)
export class DataExportsResolver {
  @FieldResolver(() => String, {
    nullable: true,
    description:
      "A data export's archive (zip: data.json and a README of its fields), by a signed link that works for a few minutes; answered to the job's owner only, while the archive is kept (DATA_EXPORT_TTL_HOURS). Null for every other job.",
  })
  downloadUrl(@Root() job: JobRow, @Ctx() ctx: MediaContext): Promise<string | null> {
    return ctx.services.exports.downloadUrl(job, ctx.caller);
  }

  @Mutation(() => ID, { description: "identity's requestDataExport: a new export job for the member; its id." })
  @Directive("@inaccessible")
  async startDataExport(@Arg("userId", () => ID) userId: string, @Ctx() ctx: MediaContext): Promise<string> {
    requireService(ctx.caller, "Mutation.startDataExport");
    return (await ctx.services.exports.start(memberIdArgument(userId))).id;
  }
}
