import { LRUCache } from "lru-cache";
import { InternalCallError, retry, type InternalClient, type Logger } from "@localex/common";

export interface ListingInfo {
  id: string;
  ownerId: string;
  status: string;
  /** The trade holding it (RESERVED) or that took it (TRADED). */
  tradeId: string | null;
  title: string;
  condition: string;
  creditPrice: number | null;
}

export interface HandOver {
  ok: boolean;
  completed: number;
  unavailableListingIds: string[];
}

export interface Reservation {
  ok: boolean;
  unavailableListingIds: string[];
}

export interface HoldOutcome {
  ok: boolean;
  code: string | null;
  status: string | null;
}

/** One escrow hold behind an accepted trade: what one party owes the other. */
export interface Hold {
  key: string;
  payerId: string;
  payeeId: string;
  amount: number;
}

// Codes that mean the request itself is wrong: retrying cannot help.
const PERMANENT = new Set(["BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED", "FORBIDDEN", "UNAUTHENTICATED"]);

/**
 * The listings and ledger subgraphs' internal fields that trades relies on
 * (docs/contracts.md, section 3). Every call is idempotent on their side, so a call that
 * failed in transit is simply retried a few times before the fault is passed up.
 */
export class TradePartners {
  constructor(
    private readonly internal: InternalClient,
    private readonly log: Logger,
  ) {}

  async listingInfo(ids: readonly string[]): Promise<ListingInfo[]> {
    if (ids.length === 0) return [];
    const data = await this.call<{ tradeListingInfo: ListingInfo[] }>(
      "listings",
      `query ($ids: [ID!]!) { tradeListingInfo(ids: $ids) { id ownerId status tradeId title condition creditPrice } }`,
      { ids },
    );
    return data.tradeListingInfo;
  }

  async reserveListings(tradeId: string, listingIds: readonly string[]): Promise<Reservation> {
    if (listingIds.length === 0) return { ok: true, unavailableListingIds: [] };
    const data = await this.call<{ reserveListingsForTrade: Reservation }>(
      "listings",
      `mutation ($tradeId: ID!, $listingIds: [ID!]!) {
        reserveListingsForTrade(tradeId: $tradeId, listingIds: $listingIds) { ok unavailableListingIds } }`,
      { tradeId, listingIds },
    );
    return data.reserveListingsForTrade;
  }

  async releaseListings(tradeId: string): Promise<number> {
    const data = await this.call<{ releaseListingsForTrade: number }>(
      "listings",
      `mutation ($tradeId: ID!) { releaseListingsForTrade(tradeId: $tradeId) }`,
      { tradeId },
    );
    return data.releaseListingsForTrade;
  }

  async completeListings(tradeId: string): Promise<number> {
    const data = await this.call<{ completeListingsForTrade: number }>(
      "listings",
      `mutation ($tradeId: ID!) { completeListingsForTrade(tradeId: $tradeId) }`,
      { tradeId },
    );
    return data.completeListingsForTrade;
  }

  /** All or nothing: the trade's listings become TRADED only if every one is still RESERVED for it. */
  async handOverListings(tradeId: string, listingIds: readonly string[]): Promise<HandOver> {
    if (listingIds.length === 0) return { ok: true, completed: 0, unavailableListingIds: [] };
    const data = await this.call<{ handOverListingsForTrade: HandOver }>(
      "listings",
      `mutation ($tradeId: ID!, $listingIds: [ID!]!) {
        handOverListingsForTrade(tradeId: $tradeId, listingIds: $listingIds) { ok completed unavailableListingIds } }`,
      { tradeId, listingIds },
    );
    return data.handOverListingsForTrade;
  }

  async placeHold(tradeId: string, hold: Hold): Promise<HoldOutcome> {
    const data = await this.call<{ placeHold: HoldOutcome }>(
      "ledger",
      `mutation ($holdKey: String!, $tradeId: ID!, $payerId: ID!, $payeeId: ID!, $amount: Int!) {
        placeHold(holdKey: $holdKey, tradeId: $tradeId, payerId: $payerId, payeeId: $payeeId, amount: $amount) { ok code status } }`,
      { holdKey: hold.key, tradeId, payerId: hold.payerId, payeeId: hold.payeeId, amount: hold.amount },
    );
    return data.placeHold;
  }

  async settleHold(holdKey: string): Promise<HoldOutcome> {
    const data = await this.call<{ settleHold: HoldOutcome }>(
      "ledger",
      `mutation ($holdKey: String!) { settleHold(holdKey: $holdKey) { ok code status } }`,
      { holdKey },
    );
    return data.settleHold;
  }

  async releaseHold(holdKey: string): Promise<HoldOutcome> {
    const data = await this.call<{ releaseHold: HoldOutcome }>(
      "ledger",
      `mutation ($holdKey: String!) { releaseHold(holdKey: $holdKey) { ok code status } }`,
      { holdKey },
    );
    return data.releaseHold;
  }

  /**
   * The recipient is a member (not deleted, nor being deleted): asked of identity's public `user`
   * field. Members known to exist are remembered for a minute: a proposal checks its recipient,
   * and members propose to the same few people in a row. Only "exists" is remembered; a miss
   * always asks again.
   */
  private readonly knownUsers = new LRUCache<string, true>({ max: 10_000, ttl: 60_000 });

  async userExists(userId: string): Promise<boolean> {
    if (this.knownUsers.has(userId)) return true;
    const data = await this.call<{ user: { id: string; deleted: boolean } | null }>("identity", `query ($id: ID!) { user(id: $id) { id deleted } }`, {
      id: userId,
    });
    const member = data.user !== null && !data.user.deleted;
    if (member) this.knownUsers.set(userId, true);
    return member;
  }

  /** A member leaving: asked of identity again from now on (which then says they are gone). */
  forgetMember(userId: string): void {
    this.knownUsers.delete(userId);
  }

  private call<T>(target: "listings" | "ledger" | "identity", query: string, variables: Record<string, unknown>): Promise<T> {
    return retry(() => this.internal.request<T>(target, query, variables), {
      attempts: 3,
      minDelayMs: 100,
      maxDelayMs: 1000,
      retryOn: (e) => !(e instanceof InternalCallError && PERMANENT.has(e.code)),
      onRetry: (err, attempt) => this.log.warn({ err, target, attempt }, "internal call failed; retrying"),
    });
  }
}
