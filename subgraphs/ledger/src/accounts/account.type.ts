import { Directive, Field, ID, Int, ObjectType } from "type-graphql";

@ObjectType({ description: "A member's credits: the balance, the part held in escrow, and what is available (balance - held)." })
export class Account {
  @Field(() => Int) balance!: number;
  @Field(() => Int) held!: number;
  @Field(() => Int) available!: number;
}

@ObjectType()
@Directive('@key(fields: "id")')
export class User {
  @Field(() => ID) id!: string;
}
