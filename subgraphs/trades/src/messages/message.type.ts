import { Field, ID, ObjectType } from "type-graphql";
import { ConnectionType, UserError } from "@localex/common";
import type { TradeMessageRow } from "../db/schema.ts";

@ObjectType({ description: "What one party of a trade wrote to the other." })
export class TradeMessage {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: "1 to 2000 characters, trimmed; line breaks kept." }) body!: string;
  @Field(() => Date) sentAt!: Date;
  // `author` is resolved by TradeMessageResolver, from the row's user id.
}

@ObjectType()
export class TradeMessageConnection extends ConnectionType("TradeMessage", TradeMessage) {}

@ObjectType()
export class SendTradeMessagePayload {
  @Field(() => TradeMessage, { nullable: true }) message!: TradeMessageRow | null;
  @Field(() => [UserError]) errors!: UserError[];
}
