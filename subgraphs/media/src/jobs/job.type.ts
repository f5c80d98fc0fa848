import { Directive, Field, Float, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { ConnectionType, UserError } from "@localex/common";
import type { JobRow, JobStatusName } from "../db/schema.ts";

export enum JobStatus {
  QUEUED = "QUEUED",
  RUNNING = "RUNNING",
  RETRYING = "RETRYING",
  SUCCEEDED = "SUCCEEDED",
  FAILED = "FAILED",
  DEAD = "DEAD",
}
registerEnumType(JobStatus, {
  name: "JobStatus",
  description:
    "QUEUED → RUNNING → SUCCEEDED. FAILED: its input was refused (running it again cannot help). After a fault on our side, RETRYING (with backoff) until its last attempt, then DEAD (`retryJob` runs it again).",
});

@ObjectType({ description: "Background work (image processing, data exports, ledger statements) and its progress; visible to its owner and admins." })
@Directive('@key(fields: "id")')
export class Job {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: "What the job does: media:process, media:export-member-data or media:ledger-statement." }) kind!: string;
  @Field(() => JobStatus) status!: JobStatusName;
  @Field(() => Float, { nullable: true, description: "0 to 1 while RUNNING." }) progress!: number | null;
  @Field(() => Int, { description: "Attempts so far." }) attempts!: number;
  @Field(() => String, { nullable: true, description: "The last failure, in words." }) error!: string | null;
  @Field(() => String, {
    nullable: true,
    description:
      "Why the input was refused, when the job FAILED on it: INFECTED (malware: the upload and its media are deleted), UNSUPPORTED_TYPE, TOO_MANY_PIXELS, CORRUPT_IMAGE, TYPE_MISMATCH or FILE_TOO_LARGE. Null otherwise.",
  })
  errorCode!: string | null;
  @Field(() => Boolean, { description: "Whether retryJob can help: false when the input itself was refused." })
  retryable!: boolean;
  @Field(() => Date) updatedAt!: Date;
  // For field resolvers.
  ownerId!: string;
  mediaId!: string | null;
}

@ObjectType()
export class JobConnection extends ConnectionType("Job", Job) {}

@ObjectType()
export class RetryJobPayload {
  @Field(() => Job, { nullable: true, description: "The job, QUEUED again; null when refused (see errors)." }) job!: JobRow | null;
  @Field(() => [UserError]) errors!: UserError[];
}
