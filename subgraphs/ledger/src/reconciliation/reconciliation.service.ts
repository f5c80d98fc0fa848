import type { Sql } from "@localex/common";

export interface BalanceDifference {
  accountId: string;
  /** `balance` (against the postings) or `held` (against the open holds). */
  field: "balance" | "held";
  cached: number;
  recomputed: number;
}

export interface ReconciliationReport {
  accountsChecked: number;
  differences: BalanceDifference[];
  transfersUnbalanced: number;
}

/** Recomputes every cached balance from the postings and every held amount from open holds. */
export class ReconciliationService {
  constructor(private readonly sql: Sql) {}

  async reconcile(): Promise<ReconciliationReport> {
    // One repeatable-read snapshot, so a transfer committing midway cannot look like a difference.
    return this.sql.begin("isolation level repeatable read read only", async (tx) => {
      const accounts = await tx<{ id: string; balance: string; held: string; postings: string; holds: string }[]>`
        select a.id, a.balance, a.held, coalesce(p.total, 0) as postings, coalesce(h.total, 0) as holds
        from ledger.accounts a
        left join (select account_id, sum(amount) as total from ledger.postings group by account_id) p on p.account_id = a.id
        left join (select payer_id, sum(amount) as total from ledger.holds where status = 'HELD' group by payer_id) h
          on h.payer_id = a.id
        order by a.id`;
      const [unbalanced] = await tx<{ n: string }[]>`
        select count(*) as n from ledger.transfers t
        where coalesce((select sum(amount) from ledger.postings p where p.transfer_id = t.id), 0) <> 0
           or not exists (select 1 from ledger.postings p where p.transfer_id = t.id)`;
      const differences: BalanceDifference[] = [];
      for (const a of accounts) {
        const compare = [
          ["balance", Number(a.balance), Number(a.postings)],
          ["held", Number(a.held), Number(a.holds)],
        ] as const;
        for (const [field, cached, recomputed] of compare) {
          if (cached !== recomputed) differences.push({ accountId: a.id, field, cached, recomputed });
        }
      }
      return { accountsChecked: accounts.length, differences, transfersUnbalanced: Number(unbalanced?.n ?? 0) };
    }) as Promise<ReconciliationReport>;
  }
}
