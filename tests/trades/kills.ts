// Connection kills for the trades tests (see ../harness/connection-killer.ts): triggers mark the
// ledger's, listings' and trades' connections while they write a hold, a listing or a trade row
// of one of the trades under test. The backend dies for real: the subgraph sees its socket
// close (57P01), whatever the statement or transaction was doing is lost, and the pool opens a
// new connection.
import { markFunctionSql, startKiller, type Killer, type Mark } from "../harness/connection-killer.ts";
import { database } from "./helpers.ts";

const MARK: Mark = [74_110, 1];

/**
 * Marks the connections that touch these trades' rows; `stall` is the chance that such a
 * statement waits `stallMs` (long enough for the killer to find it).
 */
export async function markTrades(tradeIds: readonly string[], stall: number, stallMs = 60): Promise<void> {
  const sql = database();
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext('trades-tests:kills'))`;
    await tx.unsafe(`
      create schema if not exists trades_kill;
      create table if not exists trades_kill.marked (trade_id text primary key, stall float8 not null, stall_ms int not null);
      ${markFunctionSql("trades_kill", MARK)}
      create or replace function trades_kill.mark_trade(id text) returns void language plpgsql as $$
      declare m trades_kill.marked;
      begin
        select * into m from trades_kill.marked where trade_id = id;
        if found then perform trades_kill.mark(m.stall, m.stall_ms); end if;
      end $$;
      create or replace function trades_kill.holds_mark() returns trigger language plpgsql as $$
      begin perform trades_kill.mark_trade(new.trade_id); return new; end $$;
      create or replace function trades_kill.listings_mark() returns trigger language plpgsql as $$
      begin perform trades_kill.mark_trade(coalesce(new.trade_id, old.trade_id)::text); return new; end $$;
      create or replace function trades_kill.trades_mark() returns trigger language plpgsql as $$
      begin perform trades_kill.mark_trade(new.id::text); return new; end $$;
      drop trigger if exists trades_kill_mark on ledger.holds;
      create trigger trades_kill_mark before insert or update on ledger.holds
        for each row execute function trades_kill.holds_mark();
      drop trigger if exists trades_kill_mark on listings.listings;
      create trigger trades_kill_mark before update on listings.listings
        for each row when (new.trade_id is not null or old.trade_id is not null) execute function trades_kill.listings_mark();
      drop trigger if exists trades_kill_mark on trades.trades;
      create trigger trades_kill_mark before update on trades.trades
        for each row execute function trades_kill.trades_mark();`);
    for (const id of tradeIds) {
      await tx`insert into trades_kill.marked values (${id}, ${stall}, ${stallMs})
        on conflict (trade_id) do update set stall = excluded.stall, stall_ms = excluded.stall_ms`;
    }
  });
}

export async function unmarkTrades(tradeIds: readonly string[]): Promise<void> {
  const sql = database();
  await sql`delete from trades_kill.marked where trade_id in ${sql([...tradeIds])}`;
}

/** Kills up to `budget` connections of the ledger, listings or trades working on marked trades. */
export function startTradeKiller(budget: number): Killer {
  return startKiller({ mark: MARK, applications: ["localex-ledger", "localex-listings", "localex-trades"], budget });
}
