import type { MemberLedgerService } from "./members/member-ledger.service.ts";
import type DataLoader from "dataloader";
import { groupLoader, rowLoader, type Caller, type InternalClient, type RateLimiter } from "@localex/common";
import type { AccountBalance, AccountsService } from "./accounts/accounts.service.ts";
import type { EntriesService } from "./entries/entries.service.ts";
import type { HoldsService, HoldSummary } from "./holds/holds.service.ts";
import type { QuotesService } from "./quotes/quotes.service.ts";
import type { ReconciliationService } from "./reconciliation/reconciliation.service.ts";
import type { StatementsService } from "./statements/statements.service.ts";
import type { TransfersService } from "./transfers/transfers.service.ts";

export interface LedgerServices {
  accounts: AccountsService;
  /** A member's export section and departure (issue 12). */
  members: MemberLedgerService;
  transfers: TransfersService;
  holds: HoldsService;
  entries: EntriesService;
  /** Statements as CSV (issue 22): requested here, written by a media job that reads them back page by page. */
  statements: StatementsService;
  reconciliation: ReconciliationService;
  quotes: QuotesService;
  limits: RateLimiter;
  /** Other subgraphs' internal fields: identity's memberRole, before an admin mints credits. */
  internal: InternalClient;
}

export interface LedgerContext {
  caller: Caller | null;
  services: LedgerServices;
  loaders: {
    accountById: DataLoader<string, AccountBalance | null>;
    holdsByTradeId: DataLoader<string, HoldSummary[]>;
  };
}

export function createContext(services: LedgerServices, caller: Caller | null): LedgerContext {
  return {
    caller,
    services,
    loaders: {
      accountById: rowLoader(
        (ids) => services.accounts.byIds(ids),
        (a) => a.id,
      ),
      holdsByTradeId: groupLoader(
        (ids) => services.holds.byTradeIds(ids),
        (h) => h.tradeId,
      ),
    },
  };
}
