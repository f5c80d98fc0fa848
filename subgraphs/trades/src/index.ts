import { DeparturesResolver } from "./departures/departures.resolver.ts";
import { DeparturesService } from "./departures/departures.service.ts";
import { DisputeStore } from "./disputes/dispute.store.ts";
import { DisputesResolver } from "./disputes/disputes.resolver.ts";
import { DisputesService } from "./disputes/disputes.service.ts";
import { buildFederatedSchema, database, type SubgraphModule, type SubgraphModuleConfig } from "@localex/common";
import { createContext, type TradesContext, type TradesServices } from "./context.ts";
import { schema } from "./db/schema.ts";
import { FeedbackResolver } from "./feedback/feedback.resolver.ts";
import { FeedbackReadingResolver, UserFeedbackResolver } from "./feedback/feedback-reading.resolver.ts";
import { FeedbackService } from "./feedback/feedback.service.ts";
import { FeedbackStore } from "./feedback/feedback.store.ts";
import { HandOverPointResolver, TradeHandOverResolver } from "./hand-over/hand-over.resolver.ts";
import { HandOverService } from "./hand-over/hand-over.service.ts";
import { TradeMessageResolver, TradeMessagesResolver } from "./messages/messages.resolver.ts";
import { MessageStore } from "./messages/message.store.ts";
import { MessagesService } from "./messages/messages.service.ts";
import { TradePartners } from "./partners/partners.ts";
import { ProposalsResolver } from "./proposals/proposals.resolver.ts";
import { ProposalsService } from "./proposals/proposals.service.ts";
import { AcceptService } from "./saga/accept.service.ts";
import { startTradeBackground } from "./saga/background.ts";
import { RecoveryService } from "./saga/recovery.service.ts";
import { SagaDriver } from "./saga/saga.driver.ts";
import { SagaStore } from "./saga/saga.store.ts";
import { SagaResolver } from "./saga/saga.resolver.ts";
import { SettlementService } from "./saga/settlement.service.ts";
import { canSee } from "./trades/rules.ts";
import { Listing, User } from "./trades/trade.type.ts";
import { TradeEventResolver, TradesResolver } from "./trades/trades.resolver.ts";
import { TradeStore } from "./trades/trade.store.ts";
import { UserTradesResolver } from "./trades/user-trades.resolver.ts";

export const trades: SubgraphModule<TradesServices, TradesContext, SubgraphModuleConfig<"trades">> = {
  name: "trades",
  buildSchema: () =>
    buildFederatedSchema<TradesContext>({
      resolvers: [
        TradesResolver,
        TradeEventResolver,
        UserTradesResolver,
        ProposalsResolver,
        SagaResolver,
        FeedbackResolver,
        UserFeedbackResolver,
        FeedbackReadingResolver,
        DeparturesResolver,
        TradeMessagesResolver,
        TradeMessageResolver,
        TradeHandOverResolver,
        HandOverPointResolver,
        DisputesResolver,
      ],
      orphanedTypes: [User, Listing],
      referenceResolvers: {
        Trade: async (ref: { id: string }, ctx) => {
          const row = await ctx.loaders.tradeById.load(ref.id);
          return row && canSee(row, ctx.caller) ? row : null;
        },
        User: (ref: { id: string }) => ({ id: ref.id }),
        Listing: (ref: { id: string }) => ({ id: ref.id }),
      },
    }),
  createServices({ sql, events, internal, log, limits, config }) {
    const settings = config.trades;
    const db = database(sql, schema);
    const store = new TradeStore(db, events);
    const partners = new TradePartners(internal, log);
    const sagas = new SagaStore(db);
    const driver = new SagaDriver(store, sagas, partners, settings, log);
    const messages = new MessageStore(db);
    const feedback = new FeedbackStore(db);
    return {
      events,
      store,
      departures: new DeparturesService(store, messages, feedback, partners),
      proposals: new ProposalsService(store, partners, settings),
      acceptance: new AcceptService(store, driver),
      settlement: new SettlementService(store, driver, internal),
      disputes: new DisputesService(new DisputeStore(db), store, settings),
      recovery: new RecoveryService(store, sagas, driver, log),
      feedback: new FeedbackService(feedback, store),
      messages: new MessagesService(store, messages, log),
      handOver: new HandOverService(store),
      internal,
      partners,
      limits,
    };
  },
  createContext,
  startBackground: (services, runtime) => startTradeBackground(services.recovery, runtime, runtime.config.trades),
};
