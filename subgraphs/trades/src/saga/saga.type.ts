import { Directive, Field, Int, ObjectType } from "type-graphql";

@ObjectType({ description: "What a recovery sweep did." })
@Directive("@inaccessible")
export class TradeRecoveryReport {
  @Field(() => Int) recovered!: number;
  @Field(() => Int) pending!: number;
  @Field(() => Int) expired!: number;
  @Field(() => Int, { description: "ACCEPTED trades past their confirmation deadline, moved to DISPUTED." }) overdue!: number;
}
