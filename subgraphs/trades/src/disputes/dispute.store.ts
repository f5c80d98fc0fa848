import { and, asc, eq, isNotNull, or, sql, type SQL } from "drizzle-orm";
import { decodeInstantCursor, toConnection, type Connection } from "@localex/common";
import { trades, type TradeRow, type TradesDatabase, type TradeStatusName, type Tx } from "../db/schema.ts";
import type { DisputeStatusName } from "./dispute.type.ts";

const STATUS_OF: Record<DisputeStatusName, TradeStatusName> = { OPEN: "DISPUTED", RESOLVED: "RESOLVED" };

/** The disputes queue on the trades table: listing disputes and claiming one. */
export class DisputeStore {
  constructor(private readonly db: TradesDatabase) {}

  /** Disputes in a status, oldest opened first, keyset-paginated on (disputed_at, id). */
  async page(status: DisputeStatusName, first: number, after: string | null): Promise<Connection<TradeRow>> {
    const cursor = decodeInstantCursor(after);
    const filter = and(eq(trades.status, STATUS_OF[status]), isNotNull(trades.disputedAt));
    const page: SQL | undefined = cursor ? sql`(${trades.disputedAt}, ${trades.id}) > (${cursor.at}::timestamptz, ${cursor.id}::uuid)` : undefined;
    const [rows, [count]] = await Promise.all([
      this.db
        .select()
        .from(trades)
        .where(and(filter, page))
        .orderBy(asc(trades.disputedAt), asc(trades.id))
        .limit(first + 1),
      this.db.select({ n: sql<number>`count(*)::int` }).from(trades).where(filter),
    ]);
    return toConnection(rows, first, (r) => [r.disputedAt!.toISOString(), r.id], count?.n ?? 0, cursor !== null);
  }

  /**
   * Claims an open dispute for `adminId` until `minutes` from now, in one conditional statement:
   * it succeeds only while no other administrator's claim is live (the claimant's own is
   * renewed), so of two racing admins exactly one gets it. Null when it did not. In the caller's
   * transaction, which records the act.
   */
  async claim(tx: Tx, id: string, adminId: string, minutes: number): Promise<TradeRow | null> {
    const [row] = await tx
      .update(trades)
      .set({ disputeAssigneeId: adminId, disputeClaimedUntil: sql`now() + make_interval(secs => ${minutes * 60})` })
      .where(
        and(
          eq(trades.id, id),
          eq(trades.status, "DISPUTED"),
          or(sql`${trades.disputeAssigneeId} is null`, eq(trades.disputeAssigneeId, adminId), sql`${trades.disputeClaimedUntil} <= now()`),
        ),
      )
      .returning();
    return row ?? null;
  }
}
