import type { SubgraphName } from "./config.ts";

/**
 * Every internal (`@inaccessible`) field of every subgraph, as `Type.field`, and the subgraphs
 * that may call it; operators' tools (`service:operator`) may call every one. requireService
 * reads this table, so the rule and its tests (tests/platform/internal-fields.test.ts, which
 * fails for an internal field missing here or a name here that no schema has) share one source.
 */
export const INTERNAL_FIELD_CALLERS = {
  // identity
  "Query.exportIdentityRecords": ["media"],
  "Query.memberRole": ["ledger", "trades", "media", "listings"],
  // listings
  "Query.exportListingRecords": ["media"],
  "Query.tradeListingInfo": ["trades", "media", "identity"],
  "Query.listingDocuments": ["search"],
  "Query.unfindableListingIds": ["search"],
  "Mutation.withdrawMemberListings": ["identity"],
  "Mutation.reserveListingsForTrade": ["trades"],
  "Mutation.releaseListingsForTrade": ["trades"],
  "Mutation.completeListingsForTrade": ["trades"],
  "Mutation.handOverListingsForTrade": ["trades"],
  // trades
  "Query.exportTradeRecords": ["media"],
  "Mutation.beginMemberDeparture": ["identity"],
  "Mutation.abandonMemberDeparture": ["identity"],
  "Mutation.closeMemberTrades": ["identity"],
  "Mutation.recoverTrades": [],
  // ledger
  "Query.exportLedgerRecords": ["media"],
  "Query.ledgerStatement": ["media"],
  "Mutation.closeMemberAccount": ["identity"],
  "Mutation.placeHold": ["trades"],
  "Mutation.settleHold": ["trades"],
  "Mutation.releaseHold": ["trades"],
  // media
  "Query.verificationDocuments": ["identity"],
  "Mutation.startDataExport": ["identity"],
  "Mutation.startLedgerStatement": ["ledger"],
  "Mutation.forgetMemberMedia": ["identity"],
  "Mutation.runMediaCleanup": [],
} as const satisfies Record<string, readonly SubgraphName[]>;

export type InternalField = keyof typeof INTERNAL_FIELD_CALLERS;
