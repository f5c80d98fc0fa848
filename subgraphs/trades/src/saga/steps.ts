import { refusal, type Logger, type Refusal } from "@localex/common";
import type { TradeRow } from "../db/schema.ts";
import type { Hold, TradePartners } from "../partners/partners.ts";

/**
 * The escrow holds behind an accept attempt: offeredCredits from the proposer to the
 * recipient, requestedCredits the other way; none for zero credits. The first attempt uses
 * the contract's keys (`trade:<id>:proposer|recipient`); a later attempt (after one that
 * failed and was undone) adds `:<attempt>`, because the ledger answers a replayed key with
 * its first outcome forever.
 */
export function holdsOf(row: TradeRow): Hold[] {
  const suffix = row.acceptAttempt > 1 ? `:${row.acceptAttempt}` : "";
  const holds: Hold[] = [];
  if (row.offeredCredits > 0) {
    holds.push({ key: `trade:${row.id}:proposer${suffix}`, payerId: row.proposerId, payeeId: row.recipientId, amount: row.offeredCredits });
  }
  if (row.requestedCredits > 0) {
    holds.push({ key: `trade:${row.id}:recipient${suffix}`, payerId: row.recipientId, payeeId: row.proposerId, amount: row.requestedCredits });
  }
  return holds;
}

/** Raised when another driver has taken the trade over; this one stops without finishing. */
export class LeaseLost extends Error {
  constructor(tradeId: string) {
    super(`lost the lease on trade ${tradeId}`);
    this.name = "LeaseLost";
  }
}

export type Renew = () => Promise<void>;

/** Why an accept attempt failed, as the user is told (a fault included: the attempt is undone). */
export interface AcceptFailure {
  error: Refusal;
}

/**
 * Reserves every listing and places every hold of the attempt. Each call is idempotent, so
 * a new driver replays the same steps after a crash. Returns null when all are in place.
 */
export async function acceptSteps(partners: TradePartners, row: TradeRow, renew: Renew, log: Logger): Promise<AcceptFailure | null> {
  try {
    await renew();
    const reservation = await partners.reserveListings(row.id, [...row.offeredListingIds, ...row.requestedListingIds]);
    if (!reservation.ok) {
      const offered = reservation.unavailableListingIds.some((id) => row.offeredListingIds.includes(id));
      return {
        error: refusal(
          "LISTING_UNAVAILABLE",
          `Listings ${reservation.unavailableListingIds.join(", ")} are no longer available.`,
          offered ? "offeredListings" : "requestedListings",
        ),
      };
    }
    for (const hold of holdsOf(row)) {
      await renew();
      const outcome = await partners.placeHold(row.id, hold);
      if (outcome.ok) continue;
      const proposerPays = hold.payerId === row.proposerId;
      const who = proposerPays ? "The proposer" : "The recipient";
      const field = proposerPays ? "offeredCredits" : "requestedCredits";
      const error =
        outcome.code === "INSUFFICIENT_FUNDS"
          ? refusal("INSUFFICIENT_FUNDS", `${who} does not have ${hold.amount} credits available.`, field)
          : refusal("ESCROW_REFUSED", `The escrow hold was refused (${outcome.code ?? "unknown"}).`, field);
      return { error };
    }
    return null;
  } catch (err) {
    if (err instanceof LeaseLost) throw err;
    log.warn({ err, tradeId: row.id }, "accept step failed; undoing");
    return {
      error: refusal("SERVICE_UNAVAILABLE", "Escrow or listings could not be reached, so nothing was held or reserved. Try again.", "id"),
    };
  }
}

/** Gives the attempt's holds back and frees the listings. Throws on a fault: the driver retries later. */
export async function releaseSteps(partners: TradePartners, row: TradeRow, renew: Renew, log: Logger): Promise<void> {
  for (const hold of holdsOf(row)) {
    await renew();
    const outcome = await partners.releaseHold(hold.key);
    // A hold never placed (no funds, or the attempt stopped before it) has nothing to release.
    if (!outcome.ok && outcome.code === "HOLD_ALREADY_SETTLED") {
      log.error({ tradeId: row.id, holdKey: hold.key }, "a hold to release was already settled");
    }
  }
  await renew();
  await partners.releaseListings(row.id);
}

/** Why a settlement stopped: the trade is flagged (DISPUTED) with this reason instead of completing. */
export interface SettleFailure {
  reason: string;
}

/**
 * Moves the holds to the other side and hands the listings over, checking every step, so a
 * trade never half-settles: first that every listing is still the trade's (RESERVED for it, or
 * TRADED for it on a replay), before any credit moves; then each hold, stopping at the first
 * that does not settle; then the listings, all or none. Returns why it stopped (nothing after
 * that point moved), or null when all moved. Throws on a fault: the driver retries later, and
 * each step is idempotent, so a replay skips what is done.
 */
export async function settleSteps(partners: TradePartners, row: TradeRow, renew: Renew, log: Logger): Promise<SettleFailure | null> {
  const listingIds = [...row.offeredListingIds, ...row.requestedListingIds];
  await renew();
  const infos = listingIds.length > 0 ? await partners.listingInfo(listingIds) : [];
  const byId = new Map(infos.map((i) => [i.id, i]));
  const gone = listingIds.filter((id) => {
    const info = byId.get(id);
    return !info || info.tradeId !== row.id || (info.status !== "RESERVED" && info.status !== "TRADED");
  });
  if (gone.length > 0) {
    log.error({ tradeId: row.id, listingIds: gone }, "settlement stopped: listings are no longer reserved for the trade");
    return {
      reason: `Settlement stopped before anything moved: listings ${gone.join(", ")} are no longer reserved for this trade. The credits stay held until an administrator resolves it.`,
    };
  }
  let settled = 0;
  for (const hold of holdsOf(row)) {
    await renew();
    const outcome = await partners.settleHold(hold.key);
    if (!outcome.ok) {
      log.error({ tradeId: row.id, holdKey: hold.key, code: outcome.code }, "settlement stopped: a hold could not be settled");
      const before = settled === 0 ? "before anything moved" : `after ${settled} of the escrow holds settled`;
      return {
        reason: `Settlement stopped ${before}: an escrow hold could not be settled (${outcome.code ?? "unknown"}). The listings were not handed over; an administrator resolves it.`,
      };
    }
    settled++;
  }
  await renew();
  const handOver = await partners.handOverListings(row.id, listingIds);
  if (!handOver.ok) {
    log.error({ tradeId: row.id, listingIds: handOver.unavailableListingIds }, "settlement stopped: listings could not be handed over");
    return {
      reason: `Settlement stopped after the credits settled: listings ${handOver.unavailableListingIds.join(", ")} could not be handed over. An administrator resolves it.`,
    };
  }
  return null;
}
