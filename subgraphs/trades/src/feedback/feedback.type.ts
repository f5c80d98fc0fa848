import { Field, ID, Int, ObjectType } from "type-graphql";
import { ConnectionType, UserError } from "@localex/common";
import type { FeedbackRow } from "../db/schema.ts";

@ObjectType({ description: "What one party of a completed trade says about the other." })
export class Feedback {
  @Field(() => ID) id!: string;
  @Field(() => Int, { description: "1 (poor) to 5 (excellent)." }) rating!: number;
  @Field(() => String, { nullable: true }) comment!: string | null;
  @Field(() => Date) createdAt!: Date;
  /** Resolved by FeedbackReadingResolver (author, trade). */
  authorId!: string;
  subjectId!: string;
  tradeId!: string;
}

@ObjectType()
export class FeedbackConnection extends ConnectionType("Feedback", Feedback) {}

@ObjectType()
export class FeedbackPayload {
  @Field(() => Feedback, { nullable: true }) feedback!: FeedbackRow | null;
  @Field(() => [UserError]) errors!: UserError[];
}
