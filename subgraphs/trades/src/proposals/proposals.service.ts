import { createHash } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { isUuid, userError, type Caller, type UserError, idempotencyKeyProblem } from "@localex/common";
import { trades, type TradeRow } from "../db/schema.ts";
import { departingAmong, isDeparting } from "../departures/departure-marks.ts";
import type { TradePartners } from "../partners/partners.ts";
import type { TradeSettings } from "../settings.ts";
import { scheduleExpiry } from "../trades/expiry-job.ts";
import { checkNegotiatingMove, errors, failed, otherParty, succeeded, type Change, type TradeResult } from "../trades/rules.ts";
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

  async propose(caller: Caller, input: ProposeInput, idempotencyKey: string): Promise<TradeResult> {
    const key = idempotencyKey.trim();
    const keyProblem = idempotencyKeyProblem(key);
    if (keyProblem) return { trade: null, errors: [keyProblem] };
    const terms = mergeTerms(NO_TERMS, input);
    const fingerprint = createHash("sha256").update(JSON.stringify({ recipientId: input.recipientId, terms })).digest("hex");
    const replay = await this.replay(caller.userId, key, fingerprint);
    if (replay) return replay;

    const { problems, snapshot } = await this.checkProposal(caller, input.recipientId, terms);
    if (problems.length > 0) return { trade: null, errors: problems };

    const expiresAt = this.expiryFromNow();
    const created = await this.store.transaction(async (tx): Promise<TradeRow | null | "departing"> => {
      // Decided under the parties' locks (departure-marks.ts): checked before, a departure could come in between.
      if ((await departingAmong(tx, [caller.userId, input.recipientId])).length > 0) return "departing";
      const [row] = await tx
        .insert(trades)
        .values({
          proposerId: caller.userId,
          recipientId: input.recipientId,
          status: "PROPOSED",
          turnUserId: input.recipientId,
          ...terms,
          listingSnapshot: snapshot,
          proposeKey: key,
          proposeFingerprint: fingerprint,
          expiresAt,
        })
        .onConflictDoNothing({ target: [trades.proposerId, trades.proposeKey] })
        .returning();
      if (!row) return null;
      await this.store.record(tx, row, { kind: "PROPOSED", actorId: caller.userId, note: terms.message });
      await scheduleExpiry(tx, row.id, expiresAt);
      return row;
    });
    if (created === "departing") return { trade: null, errors: [errors.departing("input.recipientId")] };
    if (!created) {
      // Another request with the same key won the insert: answer as its replay.
      const replay = await this.replay(caller.userId, key, fingerprint);
      if (!replay) throw new Error("a proposal key conflicted with no stored proposal");
      return replay;
    }
    return succeeded(created);
  }

  async counter(caller: Caller, id: string, input: TermsInput): Promise<TradeResult> {
    const current = await this.store.byId(id);
    if (!current) return failed(null, caller, errors.notFound());
    const refused = checkNegotiatingMove(current, caller, "countered");
    if (refused) return failed(current, caller, refused);
    const terms = mergeTerms(termsOf(current), input);
    const shape = checkTermsShape(terms);
    if (shape.length > 0) return { trade: current, errors: shape };
    if (sameTerms(terms, termsOf(current))) {
      return { trade: current, errors: [userError("NO_CHANGE", "A counter-offer must change the terms.", "input")] };
    }
    const { problems: listingProblems, snapshot } = await checkListings(this.partners, terms, current.proposerId, current.recipientId);
    if (listingProblems.length > 0) return { trade: current, errors: listingProblems };

    const expiresAt = this.expiryFromNow();
    const outcome = await this.store.decide(
      id,
      async (tx, row, changeId): Promise<Change> => {
        if (!row) return { row, error: errors.notFound() };
        const stale = checkNegotiatingMove(row, caller, "countered");
        if (stale) return { row, error: stale };
        if ((await departingAmong(tx, [row.proposerId, row.recipientId])).length > 0) return { row, error: errors.departing() };
        const changed = await this.store.change(
          tx,
          id,
          // The counter-offer is the listings as they are now: their snapshot is taken again.
          { ...terms, listingSnapshot: snapshot, status: "COUNTERED", turnUserId: otherParty(row, caller.userId), expiresAt },
          { kind: "COUNTERED", actorId: caller.userId, note: terms.message },
          changeId,
        );
        await scheduleExpiry(tx, id, expiresAt);
        return { row: changed, error: null };
      },
      (row) => ({ row, error: null }),
    );
    return this.store.settled(outcome, caller);
  }

  /** The party whose turn it is says no; nothing was held yet, so nothing is released. */
  async decline(caller: Caller, id: string): Promise<TradeResult> {
    const outcome = await this.store.decide(
      id,
      async (tx, row, changeId): Promise<Change> => {
        if (!row) return { row, error: errors.notFound() };
        const refused = checkNegotiatingMove(row, caller, "declined");
        if (refused) return { row, error: refused };
        const changed = await this.store.change(
          tx,
          id,
          { status: "DECLINED", turnUserId: null },
          { kind: "DECLINED", actorId: caller.userId },
          changeId,
        );
        return { row: changed, error: null };
      },
      (row) => ({ row, error: null }),
    );
    return this.store.settled(outcome, caller);
  }

  private async replay(proposerId: string, key: string, fingerprint: string): Promise<TradeResult | null> {
    const [first] = await this.store.db
      .select()
      .from(trades)
      .where(and(eq(trades.proposerId, proposerId), eq(trades.proposeKey, key)));
    if (!first) return null;
    if (first.proposeFingerprint !== fingerprint) {
      return {
        trade: null,
        errors: [userError("IDEMPOTENCY_CONFLICT", "This idempotency key was already used for a different proposal.", "idempotencyKey")],
      };
    }
    return succeeded(first);
  }

  private async checkProposal(caller: Caller, recipientId: string, terms: Terms): Promise<ListingCheck> {
    const problems: UserError[] = [];
    const none = { at: new Date().toISOString(), listings: {} };
    if (!isUuid(recipientId)) {
      problems.push(userError("INVALID_INPUT", "The recipient must be a user's id.", "input.recipientId"));
    } else if (recipientId === caller.userId) {
      problems.push(userError("INVALID_INPUT", "You cannot trade with yourself.", "input.recipientId"));
    }
    problems.push(...checkTermsShape(terms));
    if (problems.length > 0) return { problems, snapshot: none };
    if (await isDeparting(this.store.db, recipientId)) return { problems: [errors.departing("input.recipientId")], snapshot: none };
    const [exists, listings] = await Promise.all([
      this.partners.userExists(recipientId),
      checkListings(this.partners, terms, caller.userId, recipientId),
    ]);
    if (!exists) return { problems: [userError("NOT_FOUND", "There is no such user.", "input.recipientId")], snapshot: none };
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
