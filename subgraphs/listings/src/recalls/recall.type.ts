import { Field, Int, ObjectType, registerEnumType } from "type-graphql";
import type { RecallMatchStatusName } from "../db/schema.ts";

export enum RecallMatchStatus {
  OPEN = "OPEN",
  CONFIRMED = "CONFIRMED",
  CLEARED = "CLEARED",
}
registerEnumType(RecallMatchStatus, {
  name: "RecallMatchStatus",
  description: "OPEN holds the listing back from publishing; CONFIRMED: its owner said it is not the recalled product; CLEARED: an admin cleared it.",
});

@ObjectType({ description: "A product recall the listing's title or attributes matched (US CPSC recalls)." })
export class RecallMatch {
  @Field(() => String, { description: "The recall's number, as confirmNotRecalled takes it." }) recallNumber!: string;
  @Field(() => String) title!: string;
  @Field(() => String, { nullable: true, description: "The recall notice." }) url!: string | null;
  @Field(() => String, { nullable: true, description: "When the recall was announced, YYYY-MM-DD." }) date!: string | null;
  @Field(() => String, { description: 'Why it matched, e.g. `model SR-1234` or `name "…" (words)`.' }) matchedOn!: string;
  @Field(() => RecallMatchStatus) status!: RecallMatchStatusName;
  @Field(() => Date, { nullable: true }) resolvedAt!: Date | null;
}

@ObjectType({ description: "What a refresh of the recalls did." })
export class RecallRefreshPayload {
  @Field(() => Boolean) ok!: boolean;
  @Field(() => Int, { description: "Recalls the source listed this time." }) fetched!: number;
  @Field(() => Int, { description: "Recalls held now: the ones listings are checked against." }) stored!: number;
  @Field(() => String, { nullable: true, description: "Why the refresh failed (the recalls last fetched stay in use)." })
  error!: string | null;
}
