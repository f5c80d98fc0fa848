import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root, Subscription } from "type-graphql";
import { deliveredOrNotice, type DeliveryNotice } from "@localex/common";
import type { TradesContext } from "../context.ts";
import type { TradeEventRow, TradeRow } from "../db/schema.ts";
import { canSee } from "./rules.ts";
import { followTrades } from "./trade-updates.ts";
import { changedSince } from "../proposals/terms.ts";
import { DisputeOutcome, type DisputeOutcomeName, Listing, Trade, TradeEvent, TradeListingLine, User } from "./trade.type.ts";

@Resolver(() => Trade)
export class TradesResolver {
  @Query(() => Trade, { nullable: true, description: "A trade you are party to (admins: any trade); null otherwise." })
  async trade(@Arg("id", () => ID) id: string, @Ctx() ctx: TradesContext): Promise<TradeRow | null> {
    const row = await ctx.loaders.tradeById.load(id);
    return row && canSee(row, ctx.caller) ? row : null;
  }

  @Subscription(() => Trade, {
    nullable: false,
    description: "The trade `id` as it is now, then each change to it; or, without an id, each change to any trade you are party to.",
    subscribe: ({ args, context }) => {
      const ctx = context as TradesContext;
      return followTrades(ctx.services.events, ctx.services.store, ctx.caller, (args as { id?: string | null }).id ?? null);
    },
  })
  tradeUpdated(@Arg("id", () => ID, { nullable: true }) _id: string | null, @Root() trade: TradeRow | DeliveryNotice): TradeRow {
    return deliveredOrNotice(trade);
  }

  @FieldResolver(() => User, {
    nullable: true,
    description:
      "Who proposed it. Null only while the identity service cannot be reached (the error says SUBGRAPH_UNAVAILABLE or SUBGRAPH_TIMEOUT: retry), so the rest of the answer still arrives.",
  })
  proposer(@Root() trade: TradeRow): User {
    return { id: trade.proposerId };
  }

  @FieldResolver(() => User, {
    nullable: true,
    description:
      "Who it was proposed to. Null only while the identity service cannot be reached (the error says SUBGRAPH_UNAVAILABLE or SUBGRAPH_TIMEOUT: retry), so the rest of the answer still arrives.",
  })
  recipient(@Root() trade: TradeRow): User {
    return { id: trade.recipientId };
  }

  @FieldResolver(() => [Listing], {
    nullable: true,
    description:
      "What the proposer gives. Null only while the listings service cannot be reached (the error says SUBGRAPH_UNAVAILABLE or SUBGRAPH_TIMEOUT: retry), so the rest of the answer still arrives.",
  })
  offeredListings(@Root() trade: TradeRow): Listing[] {
    return trade.offeredListingIds.map((id) => ({ id }));
  }

  @FieldResolver(() => [Listing], {
    nullable: true,
    description:
      "What the recipient gives. Null only while the listings service cannot be reached (the error says SUBGRAPH_UNAVAILABLE or SUBGRAPH_TIMEOUT: retry), so the rest of the answer still arrives.",
  })
  requestedListings(@Root() trade: TradeRow): Listing[] {
    return trade.requestedListingIds.map((id) => ({ id }));
  }

  @FieldResolver(() => Date, {
    nullable: true,
    description:
      "While ACCEPTED: unless both parties confirm by then, the trade moves to DISPUTED (escrow stays held) for an administrator. Null in any other status.",
  })
  confirmBy(@Root() trade: TradeRow): Date | null {
    return trade.status === "ACCEPTED" ? trade.confirmBy : null;
  }

  @FieldResolver(() => [TradeListingLine], {
    description: "What the proposer gives, each listing with its snapshot as offered and whether it changed since.",
  })
  offeredListingLines(@Root() trade: TradeRow, @Ctx() ctx: TradesContext): Promise<TradeListingLine[]> {
    return listingLines(trade, trade.offeredListingIds, ctx);
  }

  @FieldResolver(() => [TradeListingLine], {
    description: "What the recipient gives, each listing with its snapshot as offered and whether it changed since.",
  })
  requestedListingLines(@Root() trade: TradeRow, @Ctx() ctx: TradesContext): Promise<TradeListingLine[]> {
    return listingLines(trade, trade.requestedListingIds, ctx);
  }

  @FieldResolver(() => Boolean, {
    description: "True when any listing of the terms changed (title, condition or price) since the proposal or last counter-offer.",
  })
  async listingsChangedSinceProposed(@Root() trade: TradeRow, @Ctx() ctx: TradesContext): Promise<boolean> {
    const lines = await listingLines(trade, [...trade.offeredListingIds, ...trade.requestedListingIds], ctx);
    return lines.some((l) => l.changedSinceProposed);
  }

  @FieldResolver(() => User, { nullable: true, description: "The party who may counter, accept or decline next; null once settled." })
  turn(@Root() trade: TradeRow): User | null {
    return trade.turnUserId ? { id: trade.turnUserId } : null;
  }

  @FieldResolver(() => Boolean, {
    description: "True while escrow and listings are being updated for the last step; a live update follows when done.",
  })
  pending(@Root() trade: TradeRow): boolean {
    return trade.saga !== null;
  }

  @FieldResolver(() => [User], { description: "The parties who have confirmed the exchange took place." })
  confirmedBy(@Root() trade: TradeRow): User[] {
    const ids = [trade.proposerConfirmedAt && trade.proposerId, trade.recipientConfirmedAt && trade.recipientId];
    return ids.filter((id): id is string => typeof id === "string").map((id) => ({ id }));
  }

  @FieldResolver(() => DisputeOutcome, { nullable: true, description: "How an administrator resolved the dispute." })
  resolution(@Root() trade: TradeRow): DisputeOutcomeName | null {
    return trade.resolution;
  }

  @FieldResolver(() => [TradeEvent], { description: "Every transition, oldest first." })
  events(@Root() trade: TradeRow, @Ctx() ctx: TradesContext): Promise<TradeEventRow[]> {
    return ctx.loaders.eventsByTrade.load(trade.id);
  }
}

/**
 * The listings' lines: the snapshot taken when the terms were set, against the listing as it is
 * now (asked of listings, batched). A trade from before snapshots shows the listing as it is.
 */
async function listingLines(trade: TradeRow, ids: readonly string[], ctx: TradesContext): Promise<TradeListingLine[]> {
  if (ids.length === 0) return [];
  const now = await ctx.loaders.listingNow.loadMany(ids);
  const snapshotAt = trade.listingSnapshot ? new Date(trade.listingSnapshot.at) : trade.createdAt;
  const lines: TradeListingLine[] = [];
  ids.forEach((id, i) => {
    const current = now[i];
    if (current instanceof Error) throw current;
    const then = trade.listingSnapshot?.listings[id] ?? current;
    if (!then) return; // neither a snapshot nor the listing: nothing to show
    lines.push({
      listing: { id },
      title: then.title,
      condition: then.condition,
      creditPrice: then.creditPrice,
      snapshotAt,
      changedSinceProposed: current ? changedSince(then, current) : true,
    });
  });
  return lines;
}

@Resolver(() => TradeEvent)
export class TradeEventResolver {
  @FieldResolver(() => User, { nullable: true, description: "Who acted; null when the system did (expiry)." })
  actor(@Root() event: TradeEventRow): User | null {
    return event.actorId ? { id: event.actorId } : null;
  }
}
