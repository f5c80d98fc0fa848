import { Directive, Field, ID, Int, ObjectType } from "type-graphql";
import { UserError } from "@localex/common";
import type { EntryFilter } from "../entries/entry-filter.ts";

/** media's Job: the ledger hands out references (requestStatement); media resolves every field. */
@ObjectType()
@Directive('@key(fields: "id", resolvable: false)')
export class Job {
  @Field(() => ID) id!: string;
}

@ObjectType()
export class RequestStatementPayload {
  @Field(() => Job, {
    nullable: true,
    description: "The statement's job (follow it with jobUpdated; its downloadUrl is the CSV once SUCCEEDED); null when refused (see errors).",
  })
  job!: Job | null;
  @Field(() => [UserError]) errors!: UserError[];
}

@ObjectType({ description: "One entry of a member's statement, for media's statement job." })
@Directive("@inaccessible")
export class LedgerStatementRow {
  @Field(() => Date) at!: Date;
  @Field(() => String, { description: "transfer, grant, welcome or escrow." }) kind!: string;
  @Field(() => String, { nullable: true }) memo!: string | null;
  @Field(() => ID, { nullable: true, description: "The member on the other side; null for issued credits." }) counterpartyId!: string | null;
  @Field(() => Int, { description: "Positive when credits came in, negative when they went out." }) amount!: number;
  @Field(() => Int) balanceAfter!: number;
}

@ObjectType({ description: "A page of a member's statement, oldest first, for media's statement job." })
@Directive("@inaccessible")
export class LedgerStatementPage {
  @Field(() => [LedgerStatementRow]) rows!: LedgerStatementRow[];
  @Field(() => String, { nullable: true, description: "For the next page; null on the last one." }) nextCursor!: string | null;
  /** The member and filter of the page, for `totals` (resolved only when asked for). */
  statementOf!: { accountId: string; filter: EntryFilter };
}
