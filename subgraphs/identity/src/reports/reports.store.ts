import { and, asc, eq, sql, type SQL } from "drizzle-orm";
import { decodeInstantCursor, isUuid, toConnection, type Connection, type Database } from "@localex/common";
import { reports, type IdentityTx, type ReportRow, type schema } from "../db/schema.ts";

export type NewReport = Pick<ReportRow, "reporterId" | "subject" | "targetId" | "memberId" | "listingTitle" | "reason" | "details">;
export type Resolution = Pick<ReportRow, "outcome" | "note" | "resolvedBy">;

/** Every SQL statement on `reports`. */
export class ReportsStore {
  constructor(private readonly db: Database<typeof schema>) {}

  /** The new OPEN report, or null when the reporter already has one open on this target (`reports_one_open`: of two at once, one is stored). */
  async open(report: NewReport): Promise<ReportRow | null> {
    const [row] = await this.db.insert(reports).values(report).onConflictDoNothing().returning();
    return row ?? null;
  }

  async byId(id: string): Promise<ReportRow | null> {
    if (!isUuid(id)) return null;
    const [row] = await this.db.select().from(reports).where(eq(reports.id, id));
    return row ?? null;
  }

  /** Resolves an OPEN report, once: null when it was resolved already (of two admins at once, one resolves it). */
  async resolve(tx: IdentityTx, id: string, resolution: Resolution): Promise<ReportRow | null> {
    const [row] = await tx
      .update(reports)
      .set({ ...resolution, status: "RESOLVED", resolvedAt: sql`now()` })
      .where(and(eq(reports.id, id), eq(reports.status, "OPEN")))
      .returning();
    return row ?? null;
  }

  /** The admins' queue: oldest first, so reports are looked at in the order they came. */
  async page(status: ReportRow["status"], first: number, after: string | null): Promise<Connection<ReportRow>> {
    const cursor = decodeInstantCursor(after);
    const page: SQL | undefined = cursor ? sql`(${reports.createdAt}, ${reports.id}) > (${cursor.at}::timestamptz, ${cursor.id}::uuid)` : undefined;
    const filter = eq(reports.status, status);
    const [rows, [count]] = await Promise.all([
      this.db
        .select()
        .from(reports)
        .where(and(filter, page))
        .orderBy(asc(reports.createdAt), asc(reports.id))
        .limit(first + 1),
      this.db.select({ n: sql<number>`count(*)::int` }).from(reports).where(filter),
    ]);
    return toConnection(rows, first, (r) => [r.createdAt.toISOString(), r.id], count?.n ?? 0, cursor !== null);
  }
}
