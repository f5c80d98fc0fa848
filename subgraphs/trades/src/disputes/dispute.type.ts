import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { ConnectionType, UserError, type PayloadOf } from "@localex/common";
import type { TradeRow } from "../db/schema.ts";

export const DisputeStatus = { OPEN: "OPEN", RESOLVED: "RESOLVED" } as const;
export type DisputeStatusName = keyof typeof DisputeStatus;
registerEnumType(DisputeStatus, {
  name: "DisputeStatus",
  description: "OPEN: the trade is DISPUTED, waiting for an administrator. RESOLVED: an administrator settled or released it.",
});

export const DisputeOpener = { PARTY: "PARTY", SYSTEM: "SYSTEM" } as const;
export type DisputeOpenerName = keyof typeof DisputeOpener;
registerEnumType(DisputeOpener, {
  name: "DisputeOpener",
  description: "PARTY: one of the trade's parties opened it (openDispute). SYSTEM: `confirmBy` passed, or a settlement stopped.",
});

/** A disputed trade as the administrators' queue shows it; its fields are resolved from the trade's row. */
@ObjectType({ description: "Administrators only: a trade that is or was DISPUTED, and who is working on it." })
export class Dispute {
  @Field(() => ID, { description: "The trade's id." }) id!: string;
}

@ObjectType()
export class DisputeConnection extends ConnectionType("Dispute", Dispute) {}

@ObjectType()
export class DisputePayload {
  @Field(() => Dispute, { nullable: true }) dispute!: TradeRow | null;
  @Field(() => [UserError]) errors!: UserError[];
}

export type DisputePayloadOf = PayloadOf<{ dispute: TradeRow }>;
