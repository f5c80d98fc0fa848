import { and, arrayContains, asc, desc, eq, gte, inArray, lt, sql, type SQL } from "drizzle-orm";
import { adminActs, type AdminAction, type AdminActRow, type Database } from "@localex/common";
import type { schema } from "../db/schema.ts";

export interface AdminAuditQuery {
  adminId: string | null;
  memberId: string | null;
  actions: AdminAction[] | null;
  from: Date | null;
  to: Date | null;
}

/** Reads of the shared audit table (audit.admin_acts); it is written only by recordAdminAct, in each act's transaction. */
export class AdminAuditStore {
  constructor(private readonly db: Database<typeof schema>) {}

  /** Newest first, keyset-paged on the insertion order (`seq`), with the filter's total. */
  async page(query: AdminAuditQuery, first: number, afterSeq: number | null): Promise<{ rows: AdminActRow[]; total: number }> {
    const filter = and(
      query.adminId ? eq(adminActs.adminId, query.adminId) : undefined,
      query.memberId ? arrayContains(adminActs.memberIds, [query.memberId]) : undefined,
      query.actions ? inArray(adminActs.action, query.actions) : undefined,
      query.from ? gte(adminActs.at, query.from) : undefined,
      query.to ? lt(adminActs.at, query.to) : undefined,
    );
    const page: SQL | undefined = afterSeq === null ? undefined : lt(adminActs.seq, afterSeq);
    const [rows, [count]] = await Promise.all([
      this.db
        .select()
        .from(adminActs)
        .where(and(filter, page))
        .orderBy(desc(adminActs.seq))
        .limit(first + 1),
      this.db.select({ n: sql<number>`count(*)::int` }).from(adminActs).where(filter),
    ]);
    return { rows, total: count?.n ?? 0 };
  }

  /** Every act concerning a member, oldest first (their data export). */
  concerning(memberId: string): Promise<AdminActRow[]> {
    return this.db
      .select()
      .from(adminActs)
      .where(arrayContains(adminActs.memberIds, [memberId]))
      .orderBy(asc(adminActs.seq));
  }
}
