import { Directive, Field, ID, Int, ObjectType } from "type-graphql";

@ObjectType({ description: "A member's credits: the balance, the part held in escrow, and what is available (balance - held)." })
export class Account {
  @Field(() => Int) balance!: number;
  @Field(() => Int) held!: number;
  @Field(() => Int, { description: "What trades can hold in escrow: balance - held." }) available!: number;
  @Field(() => Int, {
    description:
      "What transferCredits can send now: available, less the welcome credits, which can be spent in trades but are sent to another member only once you have completed a trade.",
  })
  transferable!: number;
}

@ObjectType()
@Directive('@key(fields: "id")')
export class User {
  @Field(() => ID) id!: string;
}
