import { Field, ID, InputType, Int, ObjectType } from "type-graphql";
import { UserError } from "@localex/common";
import { User } from "../accounts/account.type.ts";

@InputType()
export class TransferInput {
  @Field(() => ID, { nullable: true, description: "The member who receives the credits, by id; or give toHandle instead (exactly one of the two)." })
  toUserId?: string | null;
  @Field(() => String, {
    nullable: true,
    description:
      "The member who receives the credits, by their public handle (`@ann` or `ann`, any case); or give toUserId instead. A replay with the same idempotencyKey matches on the member the handle named.",
  })
  toHandle?: string | null;
  @Field(() => Int, { description: "Whole credits, 1 to 1000000." }) amount!: number;
  @Field(() => String, { nullable: true, description: "Up to 200 characters, shown to both sides." }) memo?: string | null;
}

@ObjectType({ description: "Credits moved from one account to another." })
export class Transfer {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: "transfer, grant, welcome or escrow." }) kind!: string;
  @Field(() => Int) amount!: number;
  @Field(() => String, { nullable: true }) memo!: string | null;
  @Field(() => User, { nullable: true, description: "Null when the credits were newly issued." }) from!: User | null;
  @Field(() => User) to!: User;
  @Field(() => Date) createdAt!: Date;
}

@ObjectType()
export class TransferPayload {
  @Field(() => Transfer, { nullable: true }) transfer!: Transfer | null;
  @Field(() => [UserError]) errors!: UserError[];
}
