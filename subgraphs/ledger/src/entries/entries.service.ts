import type { Sql } from "@localex/common";
import type { LedgerEntry } from "./ledger-entry.type.ts";

export interface EntryPage {
  rows: (LedgerEntry & { seq: number })[];
  totalCount: number;
}

/** A posting as members read it, with its transfer's kind and memo and the other side's account kind. */
export interface PostingRow {
  seq: number;
  transferId: string;
  kind: string;
  amount: number;
  balanceAfter: number;
  memo: string | null;
  counterpartyId: string;
  counterpartyKind: string;
  createdAt: Date;
}

export class EntriesService {
  constructor(private readonly sql: Sql) {}

  /** An account's postings, newest first, keyset-paged by posting id (ids grow in lock order per account). */
  async page(accountId: string, limit: number, beforeSeq: number | null): Promise<EntryPage> {
    const [rows, [count]] = await Promise.all([
      this.postings(accountId, { newestFirst: true, limit, beforeSeq }),
      this.sql<{ n: string }[]>`select count(*) as n from ledger.postings where account_id = ${accountId}`,
    ]);
    return {
      totalCount: Number(count?.n ?? 0),
      rows: rows.map((r) => ({
        seq: r.seq,
        id: String(r.seq),
        transferId: r.transferId,
        kind: r.kind,
        amount: r.amount,
        balanceAfter: r.balanceAfter,
        memo: r.memo,
        counterparty: r.counterpartyKind === "user" ? { id: r.counterpartyId } : null,
        createdAt: r.createdAt,
      })),
    };
  }

  /** Every posting of the account, oldest first (a member's data export). */
  all(accountId: string): Promise<PostingRow[]> {
    return this.postings(accountId, { newestFirst: false, limit: null, beforeSeq: null });
  }

  private async postings(accountId: string, options: { newestFirst: boolean; limit: number | null; beforeSeq: number | null }): Promise<PostingRow[]> {
    const rows = await this.sql<
      { seq: string; transferId: string; kind: string; amount: string; balanceAfter: string; memo: string | null; counterpartyId: string; counterpartyKind: string; createdAt: Date }[]
    >`
      select p.id as seq, p.transfer_id as "transferId", t.kind, p.amount, p.balance_after as "balanceAfter", t.memo,
             p.counterparty_id as "counterpartyId", c.kind as "counterpartyKind", p.created_at as "createdAt"
      from ledger.postings p
      join ledger.transfers t on t.id = p.transfer_id
      join ledger.accounts c on c.id = p.counterparty_id
      where p.account_id = ${accountId} ${options.beforeSeq === null ? this.sql`` : this.sql`and p.id < ${options.beforeSeq}`}
      order by p.id ${options.newestFirst ? this.sql`desc` : this.sql`asc`}
      ${options.limit === null ? this.sql`` : this.sql`limit ${options.limit}`}`;
    return rows.map((r) => ({ ...r, seq: Number(r.seq), amount: Number(r.amount), balanceAfter: Number(r.balanceAfter) }));
  }
}
