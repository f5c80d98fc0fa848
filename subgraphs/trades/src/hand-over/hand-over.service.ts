import { accepted, isUuid, refusal, showing, textProblem, type Caller, type Outcome, type Refusal } from "@localex/common";
import type { TradeRow, TradeStatusName, Tx } from "../db/schema.ts";
import { isClosed, isParty, refuse } from "../trades/rules.ts";
import type { TradeStore } from "../trades/trade.store.ts";
import { forgetHandOverPoint, keepHandOverPoint } from "./hand-over-points.ts";
import type { HandOverPointInput } from "./hand-over.type.ts";

export const MAX_NOTE = 300;

/** A hand-over point can be shared once the trade is accepted, until it closes. */
const SHARING: readonly TradeStatusName[] = ["ACCEPTED", "DISPUTED"];

/**
 * Where to meet (issue 22): one exact point per trade, shared by either party once the trade is
 * ACCEPTED, replaced by the next share, seen by the two parties only, and deleted in the
 * transaction that closes the trade (TradeStore.record). Each change is announced on
 * `tradeUpdated` after it commits.
 */
export class HandOverService {
  constructor(private readonly store: TradeStore) {}

  async share(caller: Caller, tradeId: string, point: HandOverPointInput, note: string | null | undefined): Promise<Outcome<TradeRow>> {
    const problem = pointProblem(point);
    if (problem) return problem;
    const text = note?.normalize("NFC").trim() || null;
    const noteProblem = text && textProblem(text, { label: "The note", max: MAX_NOTE, multiline: true });
    if (noteProblem) return refusal("INVALID_INPUT", noteProblem, "note");
    return this.onOpenTrade(caller, tradeId, async (tx, row) => {
      if (!SHARING.includes(row.status)) {
        return refusal("INVALID_STATE", `This trade is ${row.status}; a hand-over point can be shared once it is accepted.`, "tradeId");
      }
      await keepHandOverPoint(tx, { tradeId: row.id, sharedBy: caller.userId, lat: point.lat, lon: point.lon, note: text });
      return null;
    });
  }

  async clear(caller: Caller, tradeId: string): Promise<Outcome<TradeRow>> {
    return this.onOpenTrade(caller, tradeId, async (tx, row) => {
      await forgetHandOverPoint(tx, row.id);
      return null;
    });
  }

  /**
   * Runs `work` on an open trade the caller is party to, under a shared lock on its row (a
   * closing transaction waits for it, or it sees the trade closed), and announces the trade
   * once it commits. Anyone else's trade is NOT_FOUND, a closed one TRADE_CLOSED.
   */
  private async onOpenTrade(caller: Caller, tradeId: string, work: (tx: Tx, row: TradeRow) => Promise<Refusal | null>): Promise<Outcome<TradeRow>> {
    if (!isUuid(tradeId)) return refuse.notFound("tradeId");
    return this.store.transaction(async (tx): Promise<Outcome<TradeRow>> => {
      const row = await this.store.lockShared(tx, tradeId);
      if (!row || !isParty(row, caller.userId)) return refuse.notFound("tradeId");
      if (isClosed(row)) return showing(refuse.closed(row), row);
      const refused = await work(tx, row);
      if (refused) return showing(refused, row);
      this.store.announceAfterCommit(tx, row);
      return accepted(row);
    });
  }
}

function pointProblem(point: HandOverPointInput): Refusal | null {
  if (!Number.isFinite(point.lat) || point.lat < -90 || point.lat > 90) return refusal("INVALID_INPUT", "The latitude must be -90 to 90.", "point.lat");
  if (!Number.isFinite(point.lon) || point.lon < -180 || point.lon > 180) return refusal("INVALID_INPUT", "The longitude must be -180 to 180.", "point.lon");
  return null;
}
