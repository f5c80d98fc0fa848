// What the fault and concurrency tests check: for each trade, the trade row, the ledger's holds
// and the listings agree. Read straight from the three schemas, since no single API shows all.
import { database } from "./helpers.ts";

interface Row {
  id: string;
  status: string;
  saga: string | null;
  resolution: string | null;
  offered_credits: number;
  requested_credits: number;
  listings: number;
  held: number;
  held_amount: number;
  settled: number;
  settled_amount: number;
  reserved: number;
  traded: number;
}

/** Returns one line per disagreement; empty when everything agrees. */
export async function disagreements(tradeIds: readonly string[]): Promise<string[]> {
  const sql = database();
  const rows = await sql<Row[]>`
    select t.id, t.status, t.saga, t.resolution, t.offered_credits, t.requested_credits,
      cardinality(t.offered_listing_ids) + cardinality(t.requested_listing_ids) as listings,
      (select count(*)::int from ledger.holds h where h.trade_id = t.id::text and h.status = 'HELD') as held,
      (select coalesce(sum(h.amount), 0)::int from ledger.holds h where h.trade_id = t.id::text and h.status = 'HELD') as held_amount,
      (select count(*)::int from ledger.holds h where h.trade_id = t.id::text and h.status = 'SETTLED') as settled,
      (select coalesce(sum(h.amount), 0)::int from ledger.holds h where h.trade_id = t.id::text and h.status = 'SETTLED') as settled_amount,
      (select count(*)::int from listings.listings l where l.trade_id = t.id and l.status = 'RESERVED') as reserved,
      (select count(*)::int from listings.listings l where l.trade_id = t.id and l.status = 'TRADED') as traded
    from trades.trades t where t.id in ${sql([...tradeIds])}`;
  const problems: string[] = [];
  for (const r of rows) {
    const owed = r.offered_credits + r.requested_credits;
    const sides = (r.offered_credits > 0 ? 1 : 0) + (r.requested_credits > 0 ? 1 : 0);
    const expect = (ok: boolean, what: string) => {
      if (!ok) problems.push(`${r.id} ${r.status}: ${what} (${JSON.stringify(r)})`);
    };
    expect(r.saga === null, "left between steps");
    const exchanged = r.status === "COMPLETED" || (r.status === "RESOLVED" && r.resolution === "COMPLETE");
    const holding = r.status === "ACCEPTED" || r.status === "DISPUTED";
    if (holding) {
      expect(r.held === sides && r.held_amount === owed && r.settled === 0, "holds should be HELD");
      expect(r.reserved === r.listings && r.traded === 0, "listings should be RESERVED");
    } else if (exchanged) {
      expect(r.held === 0 && r.settled === sides && r.settled_amount === owed, "holds should be SETTLED");
      expect(r.reserved === 0 && r.traded === r.listings, "listings should be TRADED");
    } else {
      expect(r.held === 0 && r.settled === 0, "no hold should be HELD or SETTLED");
      expect(r.reserved === 0 && r.traded === 0, "no listing should be RESERVED or TRADED");
    }
  }
  if (rows.length !== tradeIds.length) problems.push(`found ${rows.length} of ${tradeIds.length} trades`);
  return problems;
}
