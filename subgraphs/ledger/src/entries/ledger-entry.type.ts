import { ConnectionType } from "@localex/common";
import { Field, ID, Int, ObjectType } from "type-graphql";
import { User } from "../accounts/account.type.ts";

@ObjectType({ description: "One posting on the signed-in member's account." })
export class LedgerEntry {
  @Field(() => ID) id!: string;
  @Field(() => ID) transferId!: string;
  @Field(() => String, { description: "transfer, grant, welcome or escrow." }) kind!: string;
  @Field(() => Int, { description: "Positive when credits came in, negative when they went out." }) amount!: number;
  @Field(() => Int, { description: "The account's balance right after this entry." }) balanceAfter!: number;
  @Field(() => String, { nullable: true }) memo!: string | null;
  @Field(() => User, { nullable: true, description: "The other member; null for newly issued credits." })
  counterparty!: User | null;
  @Field(() => Date) createdAt!: Date;
}

@ObjectType()
export class LedgerEntryConnection extends ConnectionType("LedgerEntry", LedgerEntry) {}
