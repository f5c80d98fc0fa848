import { Directive, Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { ConnectionType, UserError } from "@localex/common";
import { TRADE_EVENT_KINDS, TRADE_STATUSES, type TradeEventKindName, type TradeRow, type TradeStatusName } from "../db/schema.ts";

const enumOf = <T extends string>(values: readonly T[]) => Object.fromEntries(values.map((v) => [v, v])) as { [K in T]: K };

export const TradeStatus = enumOf(TRADE_STATUSES);
registerEnumType(TradeStatus, {
  name: "TradeStatus",
  description: "PROPOSED and COUNTERED while negotiated; ACCEPTED holds credits and listings; then COMPLETED, or a way out.",
});

export const TradeEventKind = enumOf(TRADE_EVENT_KINDS);
registerEnumType(TradeEventKind, { name: "TradeEventKind" });

export const DisputeOutcome = enumOf(["COMPLETE", "CANCEL"] as const);
export type DisputeOutcomeName = keyof typeof DisputeOutcome;
registerEnumType(DisputeOutcome, {
  name: "DisputeOutcome",
  description: "COMPLETE settles the escrow to each other side and hands the listings over; CANCEL gives both back.",
});

@ObjectType({ description: "A member of the exchange." })
@Directive('@key(fields: "id")')
export class User {
  @Field(() => ID) id!: string;
}

@ObjectType({ description: "An item offered on the exchange." })
@Directive('@key(fields: "id")')
export class Listing {
  @Field(() => ID) id!: string;
}

@ObjectType({ description: "One step in a trade's history." })
export class TradeEvent {
  @Field(() => TradeEventKind) kind!: TradeEventKindName;
  /** Resolved by a field resolver; null when the system acted (expiry). */
  actorId!: string | null;
  @Field(() => Date) at!: Date;
  @Field(() => String, { nullable: true }) note!: string | null;
}

@ObjectType({ description: "A proposed exchange of listings and credits between two users." })
@Directive('@key(fields: "id")')
export class Trade {
  @Field(() => ID) id!: string;
  @Field(() => TradeStatus) status!: TradeStatusName;
  @Field(() => Int, { description: "Credits the proposer gives." }) offeredCredits!: number;
  @Field(() => Int, { description: "Credits the recipient gives." }) requestedCredits!: number;
  @Field(() => String, { nullable: true }) message!: string | null;
  @Field(() => Date, { nullable: true, description: "When an unanswered proposal or counter-offer expires." })
  expiresAt!: Date | null;
  @Field(() => String, { nullable: true, description: "Why a party opened a dispute." }) disputeReason!: string | null;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date) updatedAt!: Date;
}

@ObjectType()
export class TradePayload {
  @Field(() => Trade, { nullable: true }) trade!: TradeRow | null;
  @Field(() => [UserError]) errors!: UserError[];
}

@ObjectType()
export class TradeConnection extends ConnectionType("Trade", Trade) {}
