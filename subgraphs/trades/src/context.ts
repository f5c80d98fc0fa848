import type { DeparturesService } from "./departures/departures.service.ts";
import type { DisputesService } from "./disputes/disputes.service.ts";
import DataLoader from "dataloader";
import { groupLoader, isCurrentAdmin, rowLoader, type Caller, type EventBus, type InternalClient, type RateLimiter } from "@localex/common";
import type { HandOverPointRow, TradeEventRow, TradeRow } from "./db/schema.ts";
import { handOverPointsOf } from "./hand-over/hand-over-points.ts";
import type { HandOverService } from "./hand-over/hand-over.service.ts";
import type { MessagesService } from "./messages/messages.service.ts";
import type { FeedbackService } from "./feedback/feedback.service.ts";
import type { UserStats } from "./feedback/feedback.store.ts";
import type { ListingInfo } from "./partners/listings-client.ts";
import type { TradePartners } from "./partners/partners.ts";
import type { ProposalsService } from "./proposals/proposals.service.ts";
import type { AcceptService } from "./saga/accept.service.ts";
import type { RecoveryService } from "./saga/recovery.service.ts";
import type { SettlementService } from "./saga/settlement.service.ts";
import type { TradeStore } from "./trades/trade.store.ts";

export interface TradesServices {
  /** Domain events, for live subscriptions. */
  events: EventBus;
  store: TradeStore;
  /** A member leaving: blockers, closing open trades, their export section (issue 12). */
  departures: DeparturesService;
  proposals: ProposalsService;
  acceptance: AcceptService;
  settlement: SettlementService;
  /** The administrators' disputes queue (listing, taking). */
  disputes: DisputesService;
  recovery: RecoveryService;
  feedback: FeedbackService;
  /** What the parties say to each other (messages/), and where they meet (hand-over/). */
  messages: MessagesService;
  handOver: HandOverService;
  /** Asks identity whether an admin's role still holds (reading a disputed trade's messages). */
  internal: Pick<InternalClient, "request">;
  /** The listings and ledger subgraphs' internal fields. */
  partners: TradePartners;
  limits: RateLimiter;
}

export interface TradesContext {
  caller: Caller | null;
  services: TradesServices;
  loaders: {
    tradeById: DataLoader<string, TradeRow | null>;
    eventsByTrade: DataLoader<string, TradeEventRow[]>;
    statsByUser: DataLoader<string, UserStats | null>;
    /** Listings as they are now (for `changedSinceProposed`): one internal call per tick, never cached. */
    listingNow: DataLoader<string, ListingInfo | null>;
    /** Batched per tick, never cached. */
    handOverPointByTrade: DataLoader<string, HandOverPointRow | null>;
    /**
     * Whether identity still stores the caller's admin role (load with any key): asked once per
     * tick, never cached.
     */
    currentAdmin: DataLoader<string, boolean>;
  };
}

export function createContext(services: TradesServices, caller: Caller | null): TradesContext {
  return {
    caller,
    services,
    loaders: {
      tradeById: rowLoader(
        (ids) => services.store.byIds(ids),
        (t) => t.id,
      ),
      eventsByTrade: groupLoader(
        (ids) => services.store.eventsOf(ids),
        (e) => e.tradeId,
      ),
      statsByUser: rowLoader(
        (ids) => services.feedback.statsOf(ids),
        (s) => s.userId,
      ),
      listingNow: new DataLoader(
        async (ids) => {
          const infos = new Map((await services.partners.listingInfo(ids)).map((i) => [i.id, i]));
          return ids.map((id) => infos.get(id) ?? null);
        },
        { cache: false, maxBatchSize: 500 },
      ),
      handOverPointByTrade: new DataLoader(
        async (ids) => {
          const points = new Map((await handOverPointsOf(services.store.db, ids)).map((p) => [p.tradeId, p]));
          return ids.map((id) => points.get(id) ?? null);
        },
        { cache: false },
      ),
      currentAdmin: new DataLoader(
        async (keys) => {
          const answer = await isCurrentAdmin(services.internal, caller);
          return keys.map(() => answer);
        },
        { cache: false },
      ),
    },
  };
}
