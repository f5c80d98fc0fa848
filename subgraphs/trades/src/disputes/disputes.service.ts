import { accepted, isUuid, recordAdminAct, refusal, type Caller, type Connection, type Outcome } from "@localex/common";
import type { TradeRow } from "../db/schema.ts";
import type { TradeSettings } from "../settings.ts";
import { refuse } from "../trades/rules.ts";
import type { TradeStore } from "../trades/trade.store.ts";
import type { DisputeStore } from "./dispute.store.ts";
import type { DisputeStatusName } from "./dispute.type.ts";

export const disputeTaken = (row: Pick<TradeRow, "disputeClaimedUntil">, field = "tradeId") =>
  refusal("DISPUTE_TAKEN", `Another administrator is working on this dispute until ${row.disputeClaimedUntil?.toISOString() ?? "their claim lapses"}.`, field);

/** The administrators' disputes queue: what is waiting, and who is working on what. Callers are admins (the resolver checks). */
export class DisputesService {
  constructor(
    private readonly disputes: DisputeStore,
    private readonly trades: TradeStore,
    private readonly settings: Pick<TradeSettings, "disputeClaimMinutes">,
  ) {}

  page(status: DisputeStatusName, first: number, after: string | null): Promise<Connection<TradeRow>> {
    return this.disputes.page(status, first, after);
  }

  /** The admin takes (or renews their claim on) an open dispute, unless another admin's claim is live. */
  async take(admin: Caller, tradeId: string): Promise<Outcome<TradeRow>> {
    if (!isUuid(tradeId)) return refuse.notFound("tradeId");
    // The claim and its audit entry commit together; a refused take records nothing.
    const claimed = await this.trades.transaction(async (tx) => {
      const row = await this.disputes.claim(tx, tradeId, admin.userId, this.settings.disputeClaimMinutes);
      if (row) {
        await recordAdminAct(tx, {
          admin: admin.userId,
          action: "DISPUTE_TAKEN",
          subject: { kind: "TRADE", id: row.id },
          members: [row.proposerId, row.recipientId],
          reason: null,
          details: { claimedUntil: row.disputeClaimedUntil?.toISOString() ?? null },
        });
      }
      return row;
    });
    if (claimed) return accepted(claimed);
    // Not claimed: say why, from the row as it is now.
    const row = await this.trades.byId(tradeId);
    if (!row) return refuse.notFound("tradeId");
    if (row.status !== "DISPUTED") {
      return refusal("INVALID_STATE", `This trade is ${row.status}; only a DISPUTED trade can be taken.`, "tradeId");
    }
    return disputeTaken(row);
  }
}
