import { Arg, ID, Query, Resolver } from "type-graphql";
import { Job } from "./media.type.ts";

// Uploads and processing jobs arrive with the media issue; until then no job exists.
@Resolver(() => Job)
export class UploadsResolver {
  @Query(() => Job, { nullable: true })
  job(@Arg("id", () => ID) _id: string): Job | null {
    return null;
  }
}
