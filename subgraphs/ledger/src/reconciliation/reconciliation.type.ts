import { Field, ID, Int, ObjectType } from "type-graphql";

@ObjectType({ description: "An account whose cached amount differs from what its postings and holds add up to." })
export class BalanceDifference {
  @Field(() => ID) accountId!: string;
  @Field(() => String, { description: "balance or held." }) field!: string;
  @Field(() => Int) cached!: number;
  @Field(() => Int) recomputed!: number;
}

@ObjectType()
export class ReconciliationReport {
  @Field(() => Int) accountsChecked!: number;
  @Field(() => [BalanceDifference]) differences!: BalanceDifference[];
  @Field(() => Int, { description: "Transfers whose postings do not sum to zero (or that have none)." })
  transfersUnbalanced!: number;
}
