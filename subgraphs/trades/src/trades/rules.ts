import { refusal, showing, type Caller, type Refusal, type UserError } from "@localex/common";
import type { TradeRow, TradeStatusName } from "../db/schema.ts";

export const NEGOTIATING: readonly TradeStatusName[] = ["PROPOSED", "COUNTERED"];

export function isParty(row: Pick<TradeRow, "proposerId" | "recipientId">, userId: string): boolean {
  return row.proposerId === userId || row.recipientId === userId;
}

export function canSee(row: Pick<TradeRow, "proposerId" | "recipientId">, caller: Caller | null): boolean {
  return caller !== null && (caller.role === "admin" || isParty(row, caller.userId));
}

export function otherParty(row: Pick<TradeRow, "proposerId" | "recipientId">, userId: string): string {
  return row.proposerId === userId ? row.recipientId : row.proposerId;
}

/** The refusal, showing the trade as it stands to a caller who may see it. */
export function refusedOn(row: TradeRow | null, caller: Caller, refused: Refusal): Refusal {
  return row && canSee(row, caller) ? showing(refused, row) : refused;
}

/** A problem a shared check (idempotency key, text) reported, as a refusal. */
export function refusalOf(problem: UserError): Refusal {
  return refusal(problem.code, problem.message, problem.field);
}

export const refuse = {
  notFound: (field = "id") => refusal("NOT_FOUND", "There is no such trade.", field),
  forbidden: (message = "Only the parties to this trade may do this.", field = "id") => refusal("FORBIDDEN", message, field),
  notYourTurn: () => refusal("NOT_YOUR_TURN", "It is the other party's turn to answer this trade.", "id"),
  invalidState: (row: TradeRow, action: string) => refusal("INVALID_STATE", `This trade is ${row.status}; it can no longer be ${action}.`, "id"),
  inProgress: () => refusal("IN_PROGRESS", "This trade is being updated right now; try again in a moment.", "id"),
  expired: () => refusal("TRADE_EXPIRED", "This trade expired before it was accepted.", "id"),
  closed: (row: TradeRow, field = "tradeId") =>
    refusal("TRADE_CLOSED", `This trade is ${isExpired(row) ? "EXPIRED" : row.status}: nothing more can be sent or shared on it.`, field),
  /** A party asked to delete their account (issue 20): nothing new starts with them. */
  departing: (field = "id") =>
    refusal("MEMBER_DEPARTING", "This member is leaving LocalEx (their account is being deleted): no trade can start with them.", field),
  unavailable: () => refusal("SERVICE_UNAVAILABLE", "Escrow or listings could not be reached, so nothing was held or reserved. Try again.", "id"),
};

/**
 * Whether `caller` may make a negotiating move (counter, accept, decline) on the trade now:
 * a party, whose turn it is, while the trade is open and not in the middle of a step.
 */
export function checkNegotiatingMove(row: TradeRow, caller: Caller, action: string): Refusal | null {
  if (!isParty(row, caller.userId)) return refuse.forbidden();
  if (row.saga) return refuse.inProgress();
  if (!NEGOTIATING.includes(row.status)) return refuse.invalidState(row, action);
  if (row.turnUserId !== caller.userId) return refuse.notYourTurn();
  return null;
}

export function isExpired(row: TradeRow, now = new Date()): boolean {
  return NEGOTIATING.includes(row.status) && row.expiresAt !== null && row.expiresAt.getTime() <= now.getTime();
}

/** Where a trade ends: nothing more is said or shared on it. DISPUTED is still open (an admin decides). */
export const CLOSED: readonly TradeStatusName[] = ["COMPLETED", "DECLINED", "CANCELLED", "EXPIRED", "RESOLVED"];

/** Closed, or a proposal past its time that the expiry job has not reached yet. */
export function isClosed(row: TradeRow, now = new Date()): boolean {
  return CLOSED.includes(row.status) || isExpired(row, now);
}
