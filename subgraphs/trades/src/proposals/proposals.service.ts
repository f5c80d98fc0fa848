import { createHash } from "node:crypto";
import { accepted, idempotencyKeyProblem, isUuid, refusal, refusals, showing, type Caller, type Outcome, type Refusal } from "@localex/common";
import type { TradeRow } from "../db/schema.ts";
import { departingAmong, isDeparting } from "../departures/departure-marks.ts";
import type { TradePartners } from "../partners/partners.ts";
import type { TradeSettings } from "../settings.ts";
import { scheduleExpiry } from "../trades/expiry-job.ts";
import { checkNegotiatingMove, otherParty, refusalOf, refuse, refusedOn } from "../trades/rules.ts";
import type { TradeStore } from "../trades/trade.store.ts";
import { checkListings, checkTermsShape, mergeTerms, NO_TERMS, sameTerms, type ListingCheck, type Terms, type TermsInput } from "./terms.ts";

export interface ProposeInput extends TermsInput {
  recipientId: string;
}

/** Proposals and their negotiation: propose, counter, decline. Nothing is held until acceptance. */
export class ProposalsService {
  constructor(
    private readonly store: TradeStore,
    private readonly partners: TradePartners,
    private readonly settings: TradeSettings,
  ) {}

  async propose(caller: Caller, input: ProposeInput, idempotencyKey: string): Promise<Outcome<TradeRow>> {
    const key = idempotencyKey.trim();
    const keyProblem = idempotencyKeyProblem(key);
    if (keyProblem) return refusalOf(keyProblem);
    const terms = mergeTerms(NO_TERMS, input);
    const fingerprint = createHash("sha256")
      .update(JSON.stringify({ recipientId: input.recipientId, terms }))
      .digest("hex");
    const replay = await this.replay(caller.userId, key, fingerprint);
    if (replay) return replay;

    const { problems, snapshot } = await this.checkProposal(caller, input.recipientId, terms);
    const refused = refusals(problems);
    if (refused) return refused;

    const expiresAt = this.expiryFromNow();
    const created = await this.store.transaction(async (tx): Promise<TradeRow | null | "departing"> => {
      // Decided under the parties' locks (departure-marks.ts): checked before, a departure could come in between.
      if ((await departingAmong(tx, [caller.userId, input.recipientId])).length > 0) return "departing";
      const row = await this.store.create(tx, {
        proposerId: caller.userId,
        recipientId: input.recipientId,
        status: "PROPOSED",
        turnUserId: input.recipientId,
        ...terms,
        listingSnapshot: snapshot,
        proposeKey: key,
        proposeFingerprint: fingerprint,
        expiresAt,
      });
      if (!row) return null;
      await this.store.record(tx, row, { kind: "PROPOSED", actorId: caller.userId, note: terms.message });
      await scheduleExpiry(tx, row.id, expiresAt);
      return row;
    });
    if (created === "departing") return refuse.departing("input.recipientId");
    if (!created) {
      // Another request with the same key won the insert: answer as its replay.
      const replay = await this.replay(caller.userId, key, fingerprint);
      if (!replay) throw new Error("a proposal key conflicted with no stored proposal");
      return replay;
    }
    return accepted(created);
  }

  async counter(caller: Caller, id: string, input: TermsInput): Promise<Outcome<TradeRow>> {
    const current = await this.store.byId(id);
    if (!current) return refuse.notFound();
    const refused = checkNegotiatingMove(current, caller, "countered");
    if (refused) return refusedOn(current, caller, refused);
    const terms = mergeTerms(termsOf(current), input);
    const shape = refusals(checkTermsShape(terms));
    if (shape) return showing(shape, current);
    if (sameTerms(terms, termsOf(current))) {
      return showing(refusal("NO_CHANGE", "A counter-offer must change the terms.", "input"), current);
    }
    const { problems, snapshot } = await checkListings(this.partners, terms, current.proposerId, current.recipientId);
    const listingProblems = refusals(problems);
    if (listingProblems) return showing(listingProblems, current);

    const expiresAt = this.expiryFromNow();
    return this.store.decide(
      id,
      async (tx, row, changeId): Promise<Outcome<TradeRow>> => {
        if (!row) return refuse.notFound();
        const stale = checkNegotiatingMove(row, caller, "countered");
        if (stale) return refusedOn(row, caller, stale);
        if ((await departingAmong(tx, [row.proposerId, row.recipientId])).length > 0) return refusedOn(row, caller, refuse.departing());
        const changed = await this.store.change(
          tx,
          id,
          // The counter-offer is the listings as they are now: their snapshot is taken again.
          { ...terms, listingSnapshot: snapshot, status: "COUNTERED", turnUserId: otherParty(row, caller.userId), expiresAt },
          { kind: "COUNTERED", actorId: caller.userId, note: terms.message },
          changeId,
        );
        await scheduleExpiry(tx, id, expiresAt);
        return accepted(changed);
      },
      (row) => accepted(row),
    );
  }

  /** The party whose turn it is says no; nothing was held yet, so nothing is released. */
  async decline(caller: Caller, id: string): Promise<Outcome<TradeRow>> {
    return this.store.decide(
      id,
      async (tx, row, changeId): Promise<Outcome<TradeRow>> => {
        if (!row) return refuse.notFound();
        const refused = checkNegotiatingMove(row, caller, "declined");
        if (refused) return refusedOn(row, caller, refused);
        const changed = await this.store.change(tx, id, { status: "DECLINED", turnUserId: null }, { kind: "DECLINED", actorId: caller.userId }, changeId);
        return accepted(changed);
      },
      (row) => accepted(row),
    );
  }

  private async replay(proposerId: string, key: string, fingerprint: string): Promise<Outcome<TradeRow> | null> {
    const first = await this.store.byProposeKey(proposerId, key);
    if (!first) return null;
    if (first.proposeFingerprint !== fingerprint) {
      return refusal("IDEMPOTENCY_CONFLICT", "This idempotency key was already used for a different proposal.", "idempotencyKey");
    }
    return accepted(first);
  }

  private async checkProposal(caller: Caller, recipientId: string, terms: Terms): Promise<ListingCheck> {
    const problems: Refusal[] = [];
    const none = { at: new Date().toISOString(), listings: {} };
    if (!isUuid(recipientId)) {
      problems.push(refusal("INVALID_INPUT", "The recipient must be a user's id.", "input.recipientId"));
    } else if (recipientId === caller.userId) {
      problems.push(refusal("INVALID_INPUT", "You cannot trade with yourself.", "input.recipientId"));
    }
    problems.push(...checkTermsShape(terms));
    if (problems.length > 0) return { problems, snapshot: none };
    if (await isDeparting(this.store.db, recipientId)) return { problems: [refuse.departing("input.recipientId")], snapshot: none };
    const [exists, listings] = await Promise.all([this.partners.userExists(recipientId), checkListings(this.partners, terms, caller.userId, recipientId)]);
    if (!exists) return { problems: [refusal("NOT_FOUND", "There is no such user.", "input.recipientId")], snapshot: none };
    return listings;
  }

  private expiryFromNow(): Date {
    return new Date(Date.now() + this.settings.expiryHours * 3_600_000);
  }
}

export function termsOf(row: TradeRow): Terms {
  return {
    offeredListingIds: row.offeredListingIds,
    requestedListingIds: row.requestedListingIds,
    offeredCredits: row.offeredCredits,
    requestedCredits: row.requestedCredits,
    message: row.message,
  };
}
