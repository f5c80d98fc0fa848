import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { pageSize, requireCurrentAdmin, toPayload, type Caller, type Connection } from "@localex/common";
import type { TradesContext } from "../context.ts";
import type { TradeRow } from "../db/schema.ts";
import { DisputeOutcome, type DisputeOutcomeName, Trade, User } from "../trades/trade.type.ts";
import {
  Dispute,
  DisputeConnection,
  DisputeOpener,
  DisputePayload,
  DisputeStatus,
  type DisputeOpenerName,
  type DisputePayloadOf,
  type DisputeStatusName,
} from "./dispute.type.ts";

/** An admin as of now: the token's role may be up to one access-token lifetime old (FORBIDDEN otherwise). */
const currentAdmin = (ctx: TradesContext): Promise<Caller> => requireCurrentAdmin(ctx.services.internal, ctx.caller);

@Resolver(() => Dispute)
export class DisputesResolver {
  @Query(() => DisputeConnection, {
    description: "Administrators only: disputes in a status (OPEN when not given), oldest opened first.",
  })
  async disputes(
    @Arg("status", () => DisputeStatus, { defaultValue: DisputeStatus.OPEN }) status: DisputeStatusName,
    @Arg("first", () => Int, { nullable: true }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: TradesContext,
  ): Promise<Connection<TradeRow>> {
    await currentAdmin(ctx);
    return ctx.services.disputes.page(status, pageSize(first), after ?? null);
  }

  @Mutation(() => DisputePayload, {
    description:
      "Administrators only: takes an open dispute so no other administrator works on it, for DISPUTE_CLAIM_MINUTES (taking it again renews the claim). " +
      "Refused with DISPUTE_TAKEN while another administrator's claim is live; a lapsed claim can be taken.",
  })
  async takeDispute(@Arg("tradeId", () => ID) tradeId: string, @Ctx() ctx: TradesContext): Promise<DisputePayloadOf> {
    const admin = await currentAdmin(ctx);
    return toPayload(await ctx.services.disputes.take(admin, tradeId), "dispute");
  }

  @FieldResolver(() => Trade, { description: "The trade: its parties, listings as proposed and now, messages, escrow and history." })
  trade(@Root() row: TradeRow): TradeRow {
    return row;
  }

  @FieldResolver(() => Date, { description: "When the dispute opened (the trade became DISPUTED)." })
  openedAt(@Root() row: TradeRow): Date {
    return row.disputedAt!;
  }

  @FieldResolver(() => DisputeOpener, { description: "Who opened it: a party, or the system (confirmBy passed, settlement stopped)." })
  openedBy(@Root() row: TradeRow): DisputeOpenerName {
    return row.disputedBy ? "PARTY" : "SYSTEM";
  }

  @FieldResolver(() => String, { nullable: true, description: "Why it opened: the party's reason, or the system's." })
  reason(@Root() row: TradeRow): string | null {
    return row.disputeReason;
  }

  @FieldResolver(() => User, { nullable: true, description: "The administrator who last took it (takeDispute); their claim lapses at `claimedUntil`." })
  assignee(@Root() row: TradeRow): User | null {
    return row.disputeAssigneeId ? { id: row.disputeAssigneeId } : null;
  }

  @FieldResolver(() => Date, { nullable: true, description: "Until when the assignee's claim holds; after it any administrator may take the dispute." })
  claimedUntil(@Root() row: TradeRow): Date | null {
    return row.disputeClaimedUntil;
  }

  @FieldResolver(() => DisputeOutcome, { nullable: true, description: "How it was resolved (null while open)." })
  resolution(@Root() row: TradeRow): DisputeOutcomeName | null {
    return row.status === "RESOLVED" ? row.resolution : null;
  }

  @FieldResolver(() => User, { nullable: true, description: "The administrator who resolved it." })
  resolvedBy(@Root() row: TradeRow): User | null {
    return row.status === "RESOLVED" && row.resolvedBy ? { id: row.resolvedBy } : null;
  }

  @FieldResolver(() => String, { nullable: true, description: "The reason the resolving administrator gave; both parties are told it." })
  resolutionReason(@Root() row: TradeRow): string | null {
    return row.status === "RESOLVED" ? row.resolutionReason : null;
  }
}
