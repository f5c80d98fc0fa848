// Shared by the trades tests: the operations a front-end sends, and the set-up every trade
// needs (funded users with ACTIVE listings), all through the gateway.
import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { inject } from "vitest";
import { CALLER_HEADER, serviceCaller, signCallerToken, type SubgraphName } from "@localex/common";
import type { TestUser } from "../harness/client.ts";
import { TEST_CALLER_KEYS } from "../harness/secrets.ts";
import { accountOf, fundedUser, type Balance } from "../ledger/helpers.ts";
import { createListing } from "../listings/helpers.ts";

export { adminClient, accountOf, fundedUser, GRANT, RECONCILIATION } from "../ledger/helpers.ts";
export { createListing } from "../listings/helpers.ts";
export type { Balance };
export type { Reconciled } from "../ledger/helpers.ts";

export const TRADE_FIELDS = /* GraphQL */ `
  id status offeredCredits requestedCredits message expiresAt pending disputeReason resolution createdAt updatedAt
  proposer { id } recipient { id } turn { id } confirmedBy { id }
  offeredListings { id status } requestedListings { id status }
  events { kind actor { id } note at }
`;
const PAYLOAD = `trade { ${TRADE_FIELDS} } errors { code message field }`;

export const PROPOSE = `mutation ($input: ProposeTradeInput!, $key: String!) { proposeTrade(input: $input, idempotencyKey: $key) { ${PAYLOAD} } }`;
export const COUNTER = `mutation ($id: ID!, $input: CounterTradeInput!) { counterTrade(id: $id, input: $input) { ${PAYLOAD} } }`;
export const ACCEPT = `mutation ($id: ID!, $key: String!) { acceptTrade(id: $id, idempotencyKey: $key) { ${PAYLOAD} } }`;
export const DECLINE = `mutation ($id: ID!) { declineTrade(id: $id) { ${PAYLOAD} } }`;
export const CANCEL = `mutation ($id: ID!) { cancelTrade(id: $id) { ${PAYLOAD} } }`;
export const CONFIRM = `mutation ($id: ID!) { confirmTradeCompletion(id: $id) { ${PAYLOAD} } }`;
export const DISPUTE = `mutation ($id: ID!, $reason: String!) { openDispute(id: $id, reason: $reason) { ${PAYLOAD} } }`;
export const RESOLVE = `mutation ($id: ID!, $outcome: DisputeOutcome!) { resolveDispute(id: $id, outcome: $outcome) { ${PAYLOAD} } }`;
export const TRADE = `query ($id: ID!) { trade(id: $id) { ${TRADE_FIELDS} } }`;
export const FEEDBACK = `mutation ($tradeId: ID!, $rating: Int!, $comment: String) {
  leaveFeedback(tradeId: $tradeId, rating: $rating, comment: $comment) { feedback { id rating comment createdAt } errors { code message field } } }`;

export interface UserErrorData {
  code: string;
  message: string;
  field: string | null;
}

export interface TradeData {
  id: string;
  status: string;
  offeredCredits: number;
  requestedCredits: number;
  pending: boolean;
  turn: { id: string } | null;
  offeredListings: { id: string; status: string }[];
  requestedListings: { id: string; status: string }[];
  events: { kind: string; actor: { id: string } | null; note: string | null }[];
  [field: string]: unknown;
}

export interface Payload {
  trade: TradeData | null;
  errors: UserErrorData[];
}

/** Runs a trade mutation and returns its payload (the one root field). */
export async function mutate(user: { client: TestUser["client"] }, query: string, variables: Record<string, unknown>): Promise<Payload> {
  const data = await user.client.data<Record<string, Payload>>(query, variables);
  return Object.values(data)[0]!;
}

export async function propose(user: TestUser, input: Record<string, unknown>, key: string = randomUUID()): Promise<Payload> {
  return mutate(user, PROPOSE, { input, key });
}

/** Proposes and fails the test unless the trade was created. */
export async function proposed(user: TestUser, input: Record<string, unknown>): Promise<TradeData> {
  const payload = await propose(user, input);
  if (payload.errors.length > 0 || !payload.trade) throw new Error(JSON.stringify(payload.errors));
  return payload.trade;
}

export const accept = (user: TestUser, id: string, key: string = randomUUID()) => mutate(user, ACCEPT, { id, key });

export async function tradeAs(user: TestUser, id: string): Promise<TradeData | null> {
  const { trade } = await user.client.data<{ trade: TradeData | null }>(TRADE, { id });
  return trade;
}

export async function listingStatus(user: TestUser, id: string): Promise<string> {
  const { listing } = await user.client.data<{ listing: { status: string } }>(`query ($id: ID!) { listing(id: $id) { status } }`, { id });
  return listing.status;
}

/** Two funded users (100 credits each), each with `listings` ACTIVE listings. */
/** `existingBob`: a member already funded, to trade again (new listings on both sides). */
export async function twoTraders(
  listings = 1,
  existingBob?: TestUser,
): Promise<{ ann: TestUser; bob: TestUser; annListings: string[]; bobListings: string[] }> {
  const [ann, bob] = await Promise.all([fundedUser(), existingBob ?? fundedUser()]);
  const make = (u: TestUser) => Promise.all(Array.from({ length: listings }, () => createListing(u).then((l) => l.id)));
  const [annListings, bobListings] = await Promise.all([make(ann), make(bob)]);
  return { ann, bob, annListings, bobListings };
}

/**
 * Ann offers her listings and 30 credits for Bob's listings and 10 credits: a trade where
 * both sides hold escrow and reserve listings on accept.
 */
export async function swapTrade(listings = 1, existingBob?: TestUser) {
  const traders = await twoTraders(listings, existingBob);
  const trade = await proposed(traders.ann, {
    recipientId: traders.bob.id,
    offeredListingIds: traders.annListings,
    requestedListingIds: traders.bobListings,
    offeredCredits: 30,
    requestedCredits: 10,
  });
  return { ...traders, trade };
}

export async function balances(...users: TestUser[]): Promise<Balance[]> {
  return Promise.all(users.map((u) => accountOf(u)));
}

/** Calls a subgraph directly as another subgraph would (internal fields). */
export async function asService<T = Record<string, unknown>>(subgraph: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const token = await signCallerToken(TEST_CALLER_KEYS, serviceCaller("operator"), { signer: "operator", audience: subgraph as SubgraphName });
  const response = await fetch(inject("subgraphUrls")[subgraph]!, {
    method: "POST",
    headers: { "content-type": "application/json", [CALLER_HEADER]: token },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors?.length || !body.data) throw new Error(`${subgraph} errors: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/**
 * Runs the recovery sweep now. It takes over only sagas whose driver gave up or died (lease
 * run out), never one another test file's request is still driving.
 */
export async function recoverTrades(ignoreLeases = false): Promise<{ recovered: number; pending: number; expired: number }> {
  const data = await asService<{ recoverTrades: { recovered: number; pending: number; expired: number } }>(
    "trades",
    `mutation ($ignore: Boolean) { recoverTrades(ignoreLeases: $ignore) { recovered pending expired } }`,
    { ignore: ignoreLeases },
  );
  return data.recoverTrades;
}

let db: postgres.Sql | undefined;
/** The test database, for what no API shows: moving a trade's clock, killing connections. */
export function database(): postgres.Sql {
  db ??= postgres(inject("databaseUrl"), { max: 3, onnotice: () => {} });
  return db;
}

/**
 * Makes sure a `tradeUpdated` subscription to all of `user`'s trades is listening, with no
 * fixed delay: a probe member proposes small credits-only trades to `user` until the
 * subscription delivers one (each probe waits a second for it). Returns the probes' ids, for
 * the test to tell them from the trades it is about.
 */
export async function untilListeningToTrades(
  user: TestUser,
  sub: { until(match: (r: { data?: unknown }) => boolean, what: string, timeoutMs: number): Promise<unknown> },
): Promise<Set<string>> {
  const prober = await fundedUser();
  const probes = new Set<string>();
  for (let i = 0; i < 15; i++) {
    const probe = await proposed(prober, { recipientId: user.id, offeredCredits: 1, message: "subscription probe" });
    probes.add(probe.id);
    const delivered = (r: { data?: unknown }) => probes.has((r.data as { tradeUpdated?: { id?: string } } | undefined)?.tradeUpdated?.id ?? "");
    try {
      await sub.until(delivered, "a probe trade", 1000);
      return probes;
    } catch {
      // Not listening yet (or the subscription ended: the next until says so).
    }
  }
  throw new Error(`the subscription never delivered one of ${probes.size} probe trades`);
}
