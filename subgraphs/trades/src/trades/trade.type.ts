import { Directive, Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { ConnectionType, UserError, type PayloadOf } from "@localex/common";
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

export const ItemCondition = enumOf(["NEW", "LIKE_NEW", "GOOD", "FAIR", "POOR"] as const);
registerEnumType(ItemCondition, { name: "ItemCondition" });

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

@ObjectType({
  description:
    "A listing in a trade's current terms, as it was offered: its title, condition and price when the proposal or the last " +
    "counter-offer was made. `changedSinceProposed` tells the other party its owner has edited it since; compare with " +
    "`listing { title condition creditPrice }` (as it is now) to show what changed. A counter-offer takes the snapshot again.",
})
export class TradeListingLine {
  @Field(() => Listing, { description: "The listing as it is now." }) listing!: Listing;
  @Field(() => String, { description: "The title when the terms were set." }) title!: string;
  @Field(() => ItemCondition, { description: "The condition when the terms were set." }) condition!: string;
  @Field(() => Int, { nullable: true, description: "The credit price when the terms were set." }) creditPrice!: number | null;
  @Field(() => Date, { description: "When the terms (and so this snapshot) were set." }) snapshotAt!: Date;
  @Field(() => Boolean, {
    description: "True when the listing's title, condition or credit price now differs from this snapshot.",
  })
  changedSinceProposed!: boolean;
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
  @Field(() => String, {
    nullable: true,
    description: "Why the trade is DISPUTED: a party's reason, or the system's (confirmation deadline passed, settlement stopped).",
  })
  disputeReason!: string | null;

  @Field(() => Date) createdAt!: Date;
  @Field(() => Date) updatedAt!: Date;
}

@ObjectType()
export class TradePayload {
  @Field(() => Trade, { nullable: true }) trade!: TradeRow | null;
  @Field(() => [UserError]) errors!: UserError[];
}

/** What a trade mutation's resolver answers: `toPayload(outcome, "trade")`. */
export type TradePayloadOf = PayloadOf<{ trade: TradeRow }>;

@ObjectType()
export class TradeConnection extends ConnectionType("Trade", Trade) {}
