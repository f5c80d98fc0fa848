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
      "What the job made, by a signed link that works for a few minutes: a data export's archive (zip: data.json and a README of its fields), or a ledger statement (CSV). Answered to the job's owner only, once SUCCEEDED and while the file is kept (DATA_EXPORT_TTL_HOURS). Null for every other job.",
  })
  downloadUrl(@Root() job: JobRow, @Ctx() ctx: MediaContext): Promise<string | null> {
    return ctx.services.results.downloadUrl(job, ctx.caller);
  }

  @Mutation(() => ID, { description: "identity's requestDataExport: a new export job for the member; its id." })
  @Directive("@inaccessible")
  async startDataExport(@Arg("userId", () => ID) userId: string, @Ctx() ctx: MediaContext): Promise<string> {
    requireService(ctx.caller, "Mutation.startDataExport");
    return (await ctx.services.exports.start(memberIdArgument(userId))).id;
  }
}
