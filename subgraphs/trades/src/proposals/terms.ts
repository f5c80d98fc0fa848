import { isUuid, refusal, textProblem, type Refusal } from "@localex/common";
import type { ListingSnapshot, TermsSnapshot } from "../db/schema.ts";
import type { ListingInfo } from "../partners/listings-client.ts";
import type { TradePartners } from "../partners/partners.ts";

/** What each side gives: the proposer the offered side, the recipient the requested side. */
export interface Terms {
  offeredListingIds: string[];
  requestedListingIds: string[];
  offeredCredits: number;
  requestedCredits: number;
  message: string | null;
}

export type TermsInput = { [K in keyof Terms]?: Terms[K] | null };

export const MAX_LISTINGS_PER_SIDE = 20;
export const MAX_CREDITS = 1_000_000;
export const MAX_MESSAGE = 1000;

/** Input terms laid over the current ones (for a counter-offer) or over nothing (a proposal). */
export function mergeTerms(base: Terms, input: TermsInput): Terms {
  const message = input.message === undefined ? base.message : normaliseMessage(input.message);
  return {
    offeredListingIds: input.offeredListingIds ?? base.offeredListingIds,
    requestedListingIds: input.requestedListingIds ?? base.requestedListingIds,
    offeredCredits: input.offeredCredits ?? base.offeredCredits,
    requestedCredits: input.requestedCredits ?? base.requestedCredits,
    message,
  };
}

export const NO_TERMS: Terms = { offeredListingIds: [], requestedListingIds: [], offeredCredits: 0, requestedCredits: 0, message: null };

function normaliseMessage(message: string | null): string | null {
  const trimmed = message?.normalize("NFC").trim() ?? "";
  return trimmed === "" ? null : trimmed;
}

/** Everything that can be checked without asking listings. */
export function checkTermsShape(terms: Terms): Refusal[] {
  const problems: Refusal[] = [];
  for (const side of ["offeredListingIds", "requestedListingIds"] as const) {
    const ids = terms[side];
    if (ids.length > MAX_LISTINGS_PER_SIDE) {
      problems.push(refusal("INVALID_INPUT", `At most ${MAX_LISTINGS_PER_SIDE} listings per side.`, `input.${side}`));
    } else if (ids.some((id) => !isUuid(id))) {
      problems.push(refusal("INVALID_INPUT", "Every listing id must be a listing's id.", `input.${side}`));
    } else if (new Set(ids).size !== ids.length) {
      problems.push(refusal("INVALID_INPUT", "A listing may appear only once.", `input.${side}`));
    }
  }
  const requested = new Set(terms.requestedListingIds);
  if (terms.offeredListingIds.some((id) => requested.has(id))) {
    problems.push(refusal("INVALID_INPUT", "A listing cannot be both offered and requested.", "input.requestedListingIds"));
  }
  for (const side of ["offeredCredits", "requestedCredits"] as const) {
    const credits = terms[side];
    if (!Number.isInteger(credits) || credits < 0 || credits > MAX_CREDITS) {
      problems.push(refusal("INVALID_INPUT", `Credits must be a whole number from 0 to ${MAX_CREDITS}.`, `input.${side}`));
    }
  }
  const messageProblem = terms.message === null ? null : textProblem(terms.message, { label: "The message", max: MAX_MESSAGE, multiline: true });
  if (messageProblem) problems.push(refusal("INVALID_INPUT", messageProblem, "input.message"));
  const nothing = terms.offeredListingIds.length === 0 && terms.requestedListingIds.length === 0 && terms.offeredCredits === 0 && terms.requestedCredits === 0;
  if (nothing) {
    problems.push(refusal("NOTHING_TO_EXCHANGE", "Offer or request at least one listing or some credits.", "input"));
  }
  return problems;
}

export interface ListingCheck {
  problems: Refusal[];
  /** The terms' listings as they are now: what the other party is offered (Trade.*ListingLines). */
  snapshot: TermsSnapshot;
}

/** Offered listings must be the proposer's and ACTIVE; requested ones the recipient's and ACTIVE; neither hidden by moderation. */
export async function checkListings(partners: TradePartners, terms: Terms, proposerId: string, recipientId: string): Promise<ListingCheck> {
  const infos = await partners.listingInfo([...terms.offeredListingIds, ...terms.requestedListingIds]);
  const byId = new Map(infos.map((i) => [i.id, i]));
  const problems: Refusal[] = [];
  const sides = [
    { field: "offeredListingIds", ids: terms.offeredListingIds, owner: proposerId, whose: "your own" },
    { field: "requestedListingIds", ids: terms.requestedListingIds, owner: recipientId, whose: "the recipient's" },
  ] as const;
  for (const side of sides) {
    const missing = side.ids.filter((id) => byId.get(id)?.ownerId !== side.owner);
    // A listing moderation hid (taken down, or its owner suspended) is not available either.
    const inactive = side.ids.filter((id) => byId.get(id)?.ownerId === side.owner && (byId.get(id)?.status !== "ACTIVE" || byId.get(id)?.hidden));
    if (missing.length > 0) {
      problems.push(refusal("NOT_OWNER", `Listings ${missing.join(", ")} are not ${side.whose} listings.`, `input.${side.field}`));
    } else if (inactive.length > 0) {
      problems.push(refusal("LISTING_UNAVAILABLE", `Listings ${inactive.join(", ")} are not ACTIVE.`, `input.${side.field}`));
    }
  }
  return { problems, snapshot: snapshotOf(infos) };
}

/** Title, condition and price of each listing, as the terms offer them. */
export function snapshotOf(infos: readonly ListingInfo[], at = new Date()): TermsSnapshot {
  const listings: Record<string, ListingSnapshot> = {};
  for (const i of infos) listings[i.id] = { title: i.title, condition: i.condition, creditPrice: i.creditPrice };
  return { at: at.toISOString(), listings };
}

/** Whether a listing now differs from its snapshot in what the other party agreed to: title, condition or price. */
export function changedSince(snapshot: ListingSnapshot, now: Pick<ListingInfo, "title" | "condition" | "creditPrice">): boolean {
  return snapshot.title !== now.title || snapshot.condition !== now.condition || snapshot.creditPrice !== now.creditPrice;
}

export function sameTerms(a: Terms, b: Terms): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
