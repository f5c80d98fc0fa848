// Real connection kills for the trades tests: a background loop terminates (pg_terminate_backend)
// the ledger's, listings' and trades' database connections while they work on the trades under
// test, and only those, so test files running at the same time against the same graph see no
// kill. A test-only trigger marks such a connection (a transaction-scoped advisory lock, which
// pg_locks shows with its pid) when it writes a hold, a listing or a trade row of one of those
// trades, and sometimes stalls the statement a few tens of milliseconds, as a slow disk or a busy
// server would, so that kills land in the middle of statements and transactions, not only
// between them. The backend dies for real: the subgraph sees its socket close (57P01), whatever
// the statement or transaction was doing is lost, and the pool opens a new connection.
import { setTimeout as sleep } from "node:timers/promises";
import postgres from "postgres";
import { inject } from "vitest";
import { database } from "./helpers.ts";

// The advisory lock (two int4 keys) that marks a connection working on a marked trade.
const MARK = [74_110, 1] as const;

export interface Killer {
  /** Stops the loop; resolves with the number of connections it terminated. */
  stop(): Promise<number>;
}

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
      create or replace function trades_kill.mark(id text) returns void language plpgsql as $$
      declare m trades_kill.marked;
      begin
        select * into m from trades_kill.marked where trade_id = id;
        if found then
          perform pg_advisory_xact_lock_shared(${MARK[0]}, ${MARK[1]});
          if random() < m.stall then perform pg_sleep(m.stall_ms / 1000.0); end if;
        end if;
      end $$;
      create or replace function trades_kill.holds_mark() returns trigger language plpgsql as $$
      begin perform trades_kill.mark(new.trade_id); return new; end $$;
      create or replace function trades_kill.listings_mark() returns trigger language plpgsql as $$
      begin perform trades_kill.mark(coalesce(new.trade_id, old.trade_id)::text); return new; end $$;
      create or replace function trades_kill.trades_mark() returns trigger language plpgsql as $$
      begin perform trades_kill.mark(new.id::text); return new; end $$;
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

/**
 * Every `everyMs`, terminates each subgraph connection holding the mark: one of the ledger's,
 * listings' or trades' connections in the middle of a transaction on a marked trade.
 */
export function startKiller(everyMs = 15): Killer {
  // Its own connection: the killer must not wait behind the test's queries.
  const db = postgres(inject("databaseUrl"), { max: 1, onnotice: () => {} });
  let running = true;
  let killed = 0;
  const loop = (async () => {
    while (running) {
      const rows = await db<{ ok: boolean }[]>`
        select pg_terminate_backend(l.pid) as ok
        from pg_locks l join pg_stat_activity a on a.pid = l.pid
        where l.locktype = 'advisory' and l.classid = ${MARK[0]} and l.objid = ${MARK[1]} and l.objsubid = 2
          and a.application_name in ('localex-ledger', 'localex-listings', 'localex-trades')
          and l.pid <> pg_backend_pid()`;
      killed += rows.filter((r) => r.ok).length;
      await sleep(everyMs);
    }
  })();
  return {
    async stop() {
      running = false;
      try {
        await loop;
      } finally {
        await db.end();
      }
      return killed;
    },
  };
}
