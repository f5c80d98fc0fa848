import type { Sql } from "@localex/common";
import type { LedgerEntry } from "./ledger-entry.type.ts";

export interface EntryPage {
  rows: (LedgerEntry & { seq: number })[];
  totalCount: number;
}

export class EntriesService {
  constructor(private readonly sql: Sql) {}

  /** An account's postings, newest first, keyset-paged by posting id (ids grow in lock order per account). */
  async page(accountId: string, limit: number, beforeSeq: number | null): Promise<EntryPage> {
    const [rows, [count]] = await Promise.all([
      this.sql<
        { seq: string; transferId: string; kind: string; amount: string; balanceAfter: string; memo: string | null; counterpartyId: string; counterpartyKind: string; createdAt: Date }[]
      >`
        select p.id as seq, p.transfer_id as "transferId", t.kind, p.amount, p.balance_after as "balanceAfter", t.memo,
               p.counterparty_id as "counterpartyId", c.kind as "counterpartyKind", p.created_at as "createdAt"
        from ledger.postings p
        join ledger.transfers t on t.id = p.transfer_id
        join ledger.accounts c on c.id = p.counterparty_id
        where p.account_id = ${accountId} ${beforeSeq === null ? this.sql`` : this.sql`and p.id < ${beforeSeq}`}
        order by p.id desc
        limit ${limit}`,
      this.sql<{ n: string }[]>`select count(*) as n from ledger.postings where account_id = ${accountId}`,
    ]);
    return {
      totalCount: Number(count?.n ?? 0),
      rows: rows.map((r) => ({
        seq: Number(r.seq),
        id: r.seq,
        transferId: r.transferId,
        kind: r.kind,
        amount: Number(r.amount),
        balanceAfter: Number(r.balanceAfter),
        memo: r.memo,
        counterparty: r.counterpartyKind === "user" ? { id: r.counterpartyId } : null,
        createdAt: r.createdAt,
      })),
    };
  }
}
