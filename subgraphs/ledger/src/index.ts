import { MemberLedgerResolver } from "./members/members.resolver.ts";
import { MemberLedgerService } from "./members/member-ledger.service.ts";
import { buildFederatedSchema, startJobWorker, TASKS, type SubgraphModule, type SubgraphModuleConfig, jobQueueOf } from "@localex/common";
import { User } from "./accounts/account.type.ts";
import { AccountsResolver } from "./accounts/accounts.resolver.ts";
import { AccountsService } from "./accounts/accounts.service.ts";
import { createContext, type LedgerContext, type LedgerServices } from "./context.ts";
import { EntriesResolver } from "./entries/entries.resolver.ts";
import { EntriesService } from "./entries/entries.service.ts";
import { Trade } from "./holds/hold.type.ts";
import { HoldsResolver } from "./holds/holds.resolver.ts";
import { HoldsService } from "./holds/holds.service.ts";
import { QuotesResolver } from "./quotes/quotes.resolver.ts";
import { createQuotesService } from "./quotes/quotes.service.ts";
import { ReconciliationResolver } from "./reconciliation/reconciliation.resolver.ts";
import { ReconciliationService } from "./reconciliation/reconciliation.service.ts";
import { Job } from "./statements/statement.types.ts";
import { StatementsResolver } from "./statements/statements.resolver.ts";
import { StatementsService } from "./statements/statements.service.ts";
import { TransfersResolver } from "./transfers/transfers.resolver.ts";
import { TransfersService } from "./transfers/transfers.service.ts";
import { tradeCompletedTask } from "./transfers/trade-completed.ts";
import { welcomeGrantTask } from "./transfers/welcome-grant.ts";

export type { LedgerContext, LedgerServices };

export const ledger: SubgraphModule<LedgerServices, LedgerContext, SubgraphModuleConfig<"ledger">> = {
  name: "ledger",
  buildSchema: () =>
    buildFederatedSchema<LedgerContext>({
      resolvers: [
        AccountsResolver,
        TransfersResolver,
        HoldsResolver,
        EntriesResolver,
        ReconciliationResolver,
        QuotesResolver,
        MemberLedgerResolver,
        StatementsResolver,
      ],
      orphanedTypes: [User, Trade, Job],
      referenceResolvers: {
        User: (ref: { id: string }) => ({ id: ref.id }),
        Trade: (ref: { id: string }) => ({ id: ref.id }),
      },
    }),
  createServices({ sql, internal, limits, config, log }) {
    const accounts = new AccountsService(sql, internal);
    const entries = new EntriesService(sql);
    const quotes = createQuotesService(config.pricing);
    log.info(
      quotes.configured ? { source: config.pricing.source, currency: config.pricing.currency, maxAgeSeconds: config.pricing.maxAgeSeconds } : {},
      quotes.configured ? "credit quotes on" : "credit quotes off (CREDIT_VALUE_MINOR and BTC_PRICE_SOURCE unset)",
    );
    return {
      accounts,
      transfers: new TransfersService(sql, accounts),
      holds: new HoldsService(sql, accounts),
      entries,
      members: new MemberLedgerService(sql, accounts, entries),
      statements: new StatementsService(entries, internal, limits),
      reconciliation: new ReconciliationService(sql),
      quotes,
      limits,
      internal,
    };
  },
  createContext,
  startBackground: (services, runtime) =>
    startJobWorker({
      ...jobQueueOf(runtime),
      tasks: {
        [TASKS.welcomeGrant]: welcomeGrantTask(services.transfers, runtime.log),
        [TASKS.tradeCompleted]: tradeCompletedTask(services.accounts, runtime.log),
      },
    }),
};
