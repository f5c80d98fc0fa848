import { Field, ID, InputType, Int } from "type-graphql";

@InputType({ description: "What the proposer offers and asks for; at least something must change hands." })
export class ProposeTradeInput {
  @Field(() => ID) recipientId!: string;
  @Field(() => [ID], { nullable: true, description: "Your own ACTIVE listings, at most 20." })
  offeredListingIds?: string[] | null;
  @Field(() => [ID], { nullable: true, description: "The recipient's ACTIVE listings, at most 20." })
  requestedListingIds?: string[] | null;
  @Field(() => Int, { nullable: true, description: "Credits you give, 0 or more (default 0)." })
  offeredCredits?: number | null;
  @Field(() => Int, { nullable: true, description: "Credits the recipient gives, 0 or more (default 0)." })
  requestedCredits?: number | null;
  @Field(() => String, { nullable: true, description: "At most 1000 characters." })
  message?: string | null;
}

@InputType({
  description:
    "New terms, always from the trade's point of view: `offered` is what the proposer gives, `requested` what the recipient gives. Fields left out stay as they are.",
})
export class CounterTradeInput {
  @Field(() => [ID], { nullable: true }) offeredListingIds?: string[] | null;
  @Field(() => [ID], { nullable: true }) requestedListingIds?: string[] | null;
  @Field(() => Int, { nullable: true }) offeredCredits?: number | null;
  @Field(() => Int, { nullable: true }) requestedCredits?: number | null;
  @Field(() => String, { nullable: true }) message?: string | null;
}
