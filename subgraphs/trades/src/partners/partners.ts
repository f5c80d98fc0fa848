import { LRUCache } from "lru-cache";
import { InternalCallError, retry, type InternalRequester, type Logger } from "@localex/common";
import { userById } from "./identity-client.ts";
import { placeHold, releaseHold, settleHold, type HoldOutcome } from "./ledger-client.ts";
import {
  completeListingsForTrade,
  handOverListingsForTrade,
  releaseListingsForTrade,
  reserveListingsForTrade,
  tradeListingInfo,
  type HandOver,
  type ListingInfo,
  type Reservation,
} from "./listings-client.ts";

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
    private readonly internal: InternalRequester,
    private readonly log: Logger,
  ) {}

  async listingInfo(ids: readonly string[]): Promise<ListingInfo[]> {
    if (ids.length === 0) return [];
    return this.call("listings", () => tradeListingInfo(this.internal, ids));
  }

  async reserveListings(tradeId: string, listingIds: readonly string[]): Promise<Reservation> {
    if (listingIds.length === 0) return { ok: true, unavailableListingIds: [] };
    return this.call("listings", () => reserveListingsForTrade(this.internal, tradeId, listingIds));
  }

  async releaseListings(tradeId: string): Promise<number> {
    return this.call("listings", () => releaseListingsForTrade(this.internal, tradeId));
  }

  async completeListings(tradeId: string): Promise<number> {
    return this.call("listings", () => completeListingsForTrade(this.internal, tradeId));
  }

  /** All or nothing: the trade's listings become TRADED only if every one is still RESERVED for it. */
  async handOverListings(tradeId: string, listingIds: readonly string[]): Promise<HandOver> {
    if (listingIds.length === 0) return { ok: true, completed: 0, unavailableListingIds: [] };
    return this.call("listings", () => handOverListingsForTrade(this.internal, tradeId, listingIds));
  }

  async placeHold(tradeId: string, hold: Hold): Promise<HoldOutcome> {
    const variables = { holdKey: hold.key, tradeId, payerId: hold.payerId, payeeId: hold.payeeId, amount: hold.amount };
    return this.call("ledger", () => placeHold(this.internal, variables));
  }

  async settleHold(holdKey: string): Promise<HoldOutcome> {
    return this.call("ledger", () => settleHold(this.internal, holdKey));
  }

  async releaseHold(holdKey: string): Promise<HoldOutcome> {
    return this.call("ledger", () => releaseHold(this.internal, holdKey));
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
    const user = await this.call("identity", () => userById(this.internal, userId));
    const member = user !== null && !user.deleted;
    if (member) this.knownUsers.set(userId, true);
    return member;
  }

  /** A member leaving: asked of identity again from now on (which then says they are gone). */
  forgetMember(userId: string): void {
    this.knownUsers.delete(userId);
  }

  /** One typed call to `target` (the clients beside this file), retried a few times unless it was refused as wrong. */
  private call<T>(target: "listings" | "ledger" | "identity", run: () => Promise<T>): Promise<T> {
    return retry(run, {
      attempts: 3,
      minDelayMs: 100,
      maxDelayMs: 1000,
      retryOn: (e) => !(e instanceof InternalCallError && PERMANENT.has(e.code)),
      onRetry: (err, attempt) => this.log.warn({ err, target, attempt }, "internal call failed; retrying"),
    });
  }
}
