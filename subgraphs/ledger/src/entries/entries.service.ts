import type { Sql } from "@localex/common";
import type { EntryFilter } from "./entry-filter.ts";
import type { LedgerEntry, LedgerTotals } from "./ledger-entry.type.ts";

const EVERYTHING: EntryFilter = { from: null, to: null, kinds: null };

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
  async page(accountId: string, limit: number, beforeSeq: number | null, filter: EntryFilter = EVERYTHING): Promise<EntryPage> {
    const [rows, [count]] = await Promise.all([
      this.postings(accountId, { newestFirst: true, limit, beforeSeq, afterSeq: null, filter }),
      this.sql<{ n: string }[]>`select count(*) as n from ledger.postings p join ledger.transfers t on t.id = p.transfer_id
        where p.account_id = ${accountId} ${this.selecting(filter)}`,
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
    return this.postings(accountId, { newestFirst: false, limit: null, beforeSeq: null, afterSeq: null, filter: EVERYTHING });
  }

  /**
   * One page of a statement: the postings `filter` selects, oldest first, after the posting
   * `afterSeq` (keyset on the posting id, by the (account_id, id) index), at most `limit`.
   */
  statementPage(accountId: string, filter: EntryFilter, afterSeq: number | null, limit: number): Promise<PostingRow[]> {
    return this.postings(accountId, { newestFirst: false, limit, beforeSeq: null, afterSeq, filter });
  }

  /**
   * The sums of the entries `filter` selects, in one statement, and the account's balance at each
   * end of the range: the `balance_after` of its last posting before `from` (and before `to`).
   */
  async totals(accountId: string, filter: EntryFilter): Promise<LedgerTotals> {
    const balanceBefore = (instant: Date | null) =>
      instant === null
        ? this.sql`(select coalesce((select balance_after from ledger.postings where account_id = ${accountId} order by id desc limit 1), 0))`
        : this
            .sql`(select coalesce((select balance_after from ledger.postings where account_id = ${accountId} and created_at < ${instant} order by id desc limit 1), 0))`;
    const [row] = await this.sql<{ count: string; credited: string; debited: string; opening: string; closing: string }[]>`
      select count(*) as count,
             coalesce(sum(p.amount) filter (where p.amount > 0), 0) as credited,
             coalesce(-sum(p.amount) filter (where p.amount < 0), 0) as debited,
             ${filter.from === null ? this.sql`0` : balanceBefore(filter.from)} as opening,
             ${balanceBefore(filter.to)} as closing
      from ledger.postings p join ledger.transfers t on t.id = p.transfer_id
      where p.account_id = ${accountId} ${this.selecting(filter)}`;
    const credited = Number(row?.credited ?? 0);
    const debited = Number(row?.debited ?? 0);
    return {
      count: Number(row?.count ?? 0),
      credited,
      debited,
      net: credited - debited,
      openingBalance: Number(row?.opening ?? 0),
      closingBalance: Number(row?.closing ?? 0),
    };
  }

  /** The filter as conditions on `p` (postings) and `t` (transfers). */
  private selecting(filter: EntryFilter) {
    const none = this.sql``;
    return this.sql`${filter.from ? this.sql`and p.created_at >= ${filter.from}` : none}
      ${filter.to ? this.sql`and p.created_at < ${filter.to}` : none}
      ${filter.kinds ? this.sql`and t.kind in ${this.sql(filter.kinds)}` : none}`;
  }

  private async postings(
    accountId: string,
    options: { newestFirst: boolean; limit: number | null; beforeSeq: number | null; afterSeq: number | null; filter: EntryFilter },
  ): Promise<PostingRow[]> {
    const rows = await this.sql<
      {
        seq: string;
        transferId: string;
        kind: string;
        amount: string;
        balanceAfter: string;
        memo: string | null;
        counterpartyId: string;
        counterpartyKind: string;
        createdAt: Date;
      }[]
    >`
      select p.id as seq, p.transfer_id as "transferId", t.kind, p.amount, p.balance_after as "balanceAfter", t.memo,
             p.counterparty_id as "counterpartyId", c.kind as "counterpartyKind", p.created_at as "createdAt"
      from ledger.postings p
      join ledger.transfers t on t.id = p.transfer_id
      join ledger.accounts c on c.id = p.counterparty_id
      where p.account_id = ${accountId} ${options.beforeSeq === null ? this.sql`` : this.sql`and p.id < ${options.beforeSeq}`}
        ${options.afterSeq === null ? this.sql`` : this.sql`and p.id > ${options.afterSeq}`} ${this.selecting(options.filter)}
      order by p.id ${options.newestFirst ? this.sql`desc` : this.sql`asc`}
      ${options.limit === null ? this.sql`` : this.sql`limit ${options.limit}`}`;
    return rows.map((r) => ({ ...r, seq: Number(r.seq), amount: Number(r.amount), balanceAfter: Number(r.balanceAfter) }));
  }
}
