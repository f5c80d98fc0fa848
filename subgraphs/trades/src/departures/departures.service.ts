import { GraphQLError } from "graphql";
import { apiError, type MemberRecordSection } from "@localex/common";
import type { FeedbackRow, TradeRow, Tx } from "../db/schema.ts";
import type { FeedbackStore } from "../feedback/feedback.store.ts";
import { forgetPointsSharedBy, pointsSharedBy } from "../hand-over/hand-over-points.ts";
import type { MessageStore } from "../messages/message.store.ts";
import { NEGOTIATING } from "../trades/rules.ts";
import type { TradeStore } from "../trades/trade.store.ts";
import type { TradePartners } from "../partners/partners.ts";
import { isDeparting, lockForDeparture, markDeparting, unmarkDeparting } from "./departure-marks.ts";

/** What holds a member's departure back: escrow is held, or a step is under way. */
const BLOCKING = ["ACCEPTED", "DISPUTED"] as const;

export interface TradeBlocker {
  id: string;
  status: string;
}

/**
 * A member leaving (issues 12 and 20): what stops them (a trade with credits in escrow), the
 * mark that stops anyone starting a trade with them from then on (departure-marks.ts), closing
 * their open negotiations, and their export section. Counterparts keep every trade in their
 * history; it names the departed member as identity then shows them ("Deleted member").
 */
export class DeparturesService {
  constructor(
    private readonly store: TradeStore,
    private readonly messages: MessageStore,
    private readonly feedback: FeedbackStore,
    private readonly partners: Pick<TradePartners, "forgetMember">,
  ) {}

  /**
   * Marks the member departing, unless a trade of theirs holds escrow or is mid-step: those are
   * returned and nothing is marked. Empty: marked (or already), and from now on no trade can be
   * proposed to, countered with or accepted with them, so nothing can appear that their
   * deletion could not close. Under the member's exclusive lock, so an accept already under way
   * has finished its first step (and is a blocker) before the blockers are read.
   */
  async begin(userId: string): Promise<TradeBlocker[]> {
    // Members known to exist are no longer taken on trust from this process's memory.
    this.partners.forgetMember(userId);
    return this.store.transaction(async (tx) => {
      await lockForDeparture(tx, userId);
      if (await isDeparting(tx, userId)) return [];
      const blocking = await this.blockers(userId, tx);
      if (blocking.length > 0) return blocking;
      await markDeparting(tx, userId);
      return [];
    });
  }

  /** Takes the mark back: identity could not record the deletion it was for. True when there was one. */
  abandon(userId: string): Promise<boolean> {
    return unmarkDeparting(this.store.db, userId);
  }

  /** Trades that must finish first: ACCEPTED or DISPUTED (escrow held), or any in the middle of a step. */
  blockers(userId: string, executor?: Tx): Promise<TradeBlocker[]> {
    return this.store.ofPartyInOrMidStep(userId, BLOCKING, executor);
  }

  /**
   * Every PROPOSED or COUNTERED trade of the member → CANCELLED, oldest first, each under its own
   * lock, with a CANCELLED event that tells the counterpart. Nothing is held before acceptance,
   * so nothing is released. Marks the member departing first (a deletion requested before marks
   * existed, or one whose mark was taken back), refused (MEMBER_HAS_ACTIVE_TRADES) while a blocker
   * remains; once marked none can appear. Idempotent.
   */
  async closeAll(userId: string): Promise<number> {
    const blocking = await this.begin(userId);
    if (blocking.length > 0) throw activeTrades(blocking);
    // Points are shared on ACCEPTED and DISPUTED trades only, which block a departure, so none should be left; none may be.
    await forgetPointsSharedBy(this.store.db, userId);
    const open = await this.store.idsOfPartyIn(userId, NEGOTIATING);
    let closed = 0;
    for (const id of open) {
      const changed = await this.store.decide(
        id,
        async (tx, row, changeId): Promise<TradeRow | null> => {
          if (!row || !NEGOTIATING.includes(row.status) || row.saga) return null;
          return this.store.change(
            tx,
            id,
            { status: "CANCELLED", turnUserId: null },
            { kind: "CANCELLED", actorId: userId, note: "The member left LocalEx." },
            changeId,
          );
        },
        () => null,
      );
      if (changed) closed++;
    }
    return closed;
  }

  async exportSection(userId: string): Promise<MemberRecordSection> {
    const rows = await this.store.ofParty(userId);
    const events = await this.store.eventsOf(rows.map((r) => r.id));
    const notes = await this.feedback.givenOrReceivedBy(userId);
    const [written, points] = await Promise.all([this.messages.writtenBy(userId), pointsSharedBy(this.store.db, userId)]);
    return {
      name: "trades",
      about:
        "Every trade you proposed or received, its history, the messages you wrote on them, the hand-over points you are sharing, and the feedback you gave and received.",
      fields: {
        "trades[].id": "The trade's id.",
        "trades[].role": "PROPOSER or RECIPIENT: which side you were on.",
        "trades[].counterpartId": "The other member's id.",
        "trades[].status": "Where it ended up (PROPOSED … COMPLETED, CANCELLED, RESOLVED).",
        "trades[].offeredListingIds / requestedListingIds": "The listings on each side.",
        "trades[].offeredCredits / requestedCredits": "The credits on each side.",
        "trades[].message": "The proposal's message.",
        "trades[].events": "Its history: what happened, who did it (actorId), when.",
        "messages[]": "The messages you wrote to the other party of a trade (tradeId, body, sentAt). What they wrote to you is theirs.",
        "handOverPoints[]": "Where you asked the other party of an open trade to meet (tradeId, lat, lon, note, sharedAt); deleted when the trade closes.",
        "feedbackGiven[]": "Ratings (1 to 5) and comments you left, by trade.",
        "feedbackReceived[]": "Ratings and comments others left about you, by trade.",
      },
      records: {
        trades: rows.map((t) => ({
          id: t.id,
          role: t.proposerId === userId ? "PROPOSER" : "RECIPIENT",
          counterpartId: t.proposerId === userId ? t.recipientId : t.proposerId,
          status: t.status,
          offeredListingIds: t.offeredListingIds,
          requestedListingIds: t.requestedListingIds,
          offeredCredits: t.offeredCredits,
          requestedCredits: t.requestedCredits,
          message: t.message,
          disputeReason: t.disputeReason,
          createdAt: t.createdAt.toISOString(),
          updatedAt: t.updatedAt.toISOString(),
          events: events.filter((e) => e.tradeId === t.id).map((e) => ({ kind: e.kind, actorId: e.actorId, note: e.note, at: e.at.toISOString() })),
        })),
        messages: written.map((m) => ({ tradeId: m.tradeId, body: m.body, sentAt: m.sentAt.toISOString() })),
        handOverPoints: points.map((p) => ({ tradeId: p.tradeId, lat: p.lat, lon: p.lon, note: p.note, sharedAt: p.sharedAt.toISOString() })),
        feedbackGiven: notes.filter((f) => f.authorId === userId).map(feedbackRecord),
        feedbackReceived: notes.filter((f) => f.subjectId === userId).map(feedbackRecord),
      },
    };
  }
}

const feedbackRecord = (f: FeedbackRow) => ({
  tradeId: f.tradeId,
  authorId: f.authorId,
  subjectId: f.subjectId,
  rating: f.rating,
  comment: f.comment,
  createdAt: f.createdAt.toISOString(),
});

export function activeTrades(blocking: TradeBlocker[]): GraphQLError {
  return apiError(
    "MEMBER_HAS_ACTIVE_TRADES",
    `Finish these trades first (credits are held in escrow for them): ${blocking.map((b) => `${b.id} (${b.status})`).join(", ")}.`,
    { tradeIds: blocking.map((b) => b.id) },
  );
}
