import { Field, Float, InputType, ObjectType } from "type-graphql";

@InputType({ description: "An exact place, in WGS 84 degrees." })
export class HandOverPointInput {
  @Field(() => Float, { description: "-90 to 90." }) lat!: number;
  @Field(() => Float, { description: "-180 to 180." }) lon!: number;
}

@ObjectType({
  description:
    "Where the parties of an accepted trade mean to meet, shared by one of them: exact, seen by the two parties only " +
    "(never by admins, listings or search), and deleted when the trade closes.",
})
export class HandOverPoint {
  @Field(() => Float) lat!: number;
  @Field(() => Float) lon!: number;
  @Field(() => String, { nullable: true, description: 'Directions that go with it ("ring at 3B"), at most 300 characters.' })
  note!: string | null;
  @Field(() => Date) sharedAt!: Date;
  // `sharedBy` is resolved by HandOverPointResolver, from the row's user id.
}
