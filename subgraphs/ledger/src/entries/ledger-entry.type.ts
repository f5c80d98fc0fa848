import { ConnectionType } from "@localex/common";
import { Field, ID, Int, ObjectType } from "type-graphql";
import { User } from "../accounts/account.type.ts";
import type { EntryFilter } from "./entry-filter.ts";

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

@ObjectType({ description: "What the entries a filter selects add up to (every page of them, not only this one)." })
export class LedgerTotals {
  @Field(() => Int, { description: "How many entries." }) count!: number;
  @Field(() => Int, { description: "Credits that came in (the sum of the positive amounts)." }) credited!: number;
  @Field(() => Int, { description: "Credits that went out (the sum of the negative amounts, as a positive number)." }) debited!: number;
  @Field(() => Int, { description: "credited - debited." }) net!: number;
  @Field(() => Int, { description: "The account's balance when the range begins (`from`), whatever the kinds; 0 without `from`." })
  openingBalance!: number;
  @Field(() => Int, { description: "The account's balance when the range ends (`to`, or now), whatever the kinds." })
  closingBalance!: number;
}

@ObjectType()
export class LedgerEntryConnection extends ConnectionType("LedgerEntry", LedgerEntry) {
  /** The account and filter of the page, for `totals` (resolved only when asked for). */
  statementOf?: { accountId: string; filter: EntryFilter };
}
