import { badInput, decodeCursor, isUuid, toConnection, type AdminActRow, type Connection } from "@localex/common";
import type { AdminAuditQuery, AdminAuditStore } from "./admin-audit.store.ts";
import type { AdminAuditFilter } from "./admin-audit.type.ts";

/** The admins' view of the admin audit log (callers are admins: the resolver checks the stored role). */
export class AdminAuditService {
  constructor(private readonly store: AdminAuditStore) {}

  async page(filter: AdminAuditFilter | null, first: number, after: string | null): Promise<Connection<AdminActRow>> {
    const query = checkedQuery(filter);
    const afterSeq = seqOf(after);
    const { rows, total } = await this.store.page(query, first, afterSeq);
    return toConnection(rows, first, (r) => [r.seq], total, afterSeq !== null);
  }
}

/** A filter that cannot match because it is malformed is a fault in the request (BAD_USER_INPUT naming the field), not an empty page. */
function checkedQuery(filter: AdminAuditFilter | null): AdminAuditQuery {
  const adminId = filter?.adminId ?? null;
  const memberId = filter?.memberId ?? null;
  if (adminId !== null && !isUuid(adminId)) throw badInput("adminId must be a member's id.", "filter.adminId");
  if (memberId !== null && !isUuid(memberId)) throw badInput("memberId must be a member's id.", "filter.memberId");
  const from = filter?.from ?? null;
  const to = filter?.to ?? null;
  if (from && to && from.getTime() > to.getTime()) throw badInput("`from` must not be after `to`.", "filter.from");
  const actions = filter?.actions?.length ? [...new Set(filter.actions)] : null;
  return { adminId, memberId, actions, from, to };
}

function seqOf(after: string | null): number | null {
  const key = decodeCursor(after, 1);
  if (!key) return null;
  const [seq] = key;
  if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 1) throw badInput("`after` is not a cursor from this list.", "after");
  return seq;
}
