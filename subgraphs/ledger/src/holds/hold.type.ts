import { Directive, Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";

export enum EscrowStatus {
  HELD = "HELD",
  SETTLED = "SETTLED",
  RELEASED = "RELEASED",
}
registerEnumType(EscrowStatus, { name: "EscrowStatus" });

@ObjectType({ description: "The credits held for an accepted trade, summed over both sides." })
export class Escrow {
  @Field(() => Int) amount!: number;
  @Field(() => EscrowStatus, { description: "HELD while any hold is open; else SETTLED if any settled; else RELEASED." })
  status!: EscrowStatus;
}

@ObjectType()
@Directive('@key(fields: "id")')
export class Trade {
  @Field(() => ID) id!: string;
}

@ObjectType({ description: "The result of a hold operation (internal, for trades)." })
@Directive("@inaccessible")
export class HoldOutcome {
  @Field(() => Boolean) ok!: boolean;
  @Field(() => String, {
    nullable: true,
    description: "INSUFFICIENT_FUNDS | HOLD_ALREADY_SETTLED | HOLD_ALREADY_RELEASED | HOLD_NOT_FOUND | IDEMPOTENCY_CONFLICT",
  })
  code!: string | null;
  @Field(() => String, { nullable: true, description: "HELD | SETTLED | RELEASED" })
  status!: string | null;
}
