// Fault injection for the trades tests: database triggers that, for the trades under test only,
// abort the statement being run (by the ledger, by listings, or by trades itself), with some
// probability. By default with SQLSTATE 08006 (connection failure): the statement's transaction
// dies exactly as it does when its connection drops mid-request, nothing of it commits, and the
// subgraph runs the work again (retryDatabaseWork) before it answers with an error. With
// `fault: "error"`, with SQLSTATE XX000 (internal error), which no subgraph retries: it answers
// with an error at once. Other test files' trades are untouched.
//
// Real kills (pg_terminate_backend) are in kills.ts and connection-kills.test.ts; these
// triggers stay because they are deterministic: a chosen step fails with a chosen probability
// (recovery.test.ts fails exactly a saga's finish, for instance), with no timing involved.
import { database } from "./helpers.ts";

export interface FaultRates {
  /** Writes to ledger.holds: placing, settling, releasing a hold. */
  ledger: number;
  /** Writes to listings.listings: reserving, releasing, completing. */
  listings: number;
  /** Saga transitions of trades.trades: start, undo, finish. */
  trades: number;
  /** Only the last of those: a saga's end being recorded (its steps all done). */
  finish?: number;
  /** How a chosen statement fails: as a lost connection (retried where it ran), or as an error nobody retries. */
  fault?: "lost-connection" | "error";
}

export async function installFaults(tradeIds: readonly string[], rates: FaultRates): Promise<void> {
  const sql = database();
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext('trades-tests:faults'))`;
    await tx.unsafe(`
      create schema if not exists trades_test;
      create table if not exists trades_test.doomed (trade_id text primary key, ledger float8, listings float8, trades float8, finish float8, errcode text not null default '08006');
      create sequence if not exists trades_test.kills;
      create or replace function trades_test.maybe_die(trade_id text, target text) returns void language plpgsql as $$
      declare p float8; code text;
      begin
        execute format('select %I, errcode from trades_test.doomed where trade_id = $1', target) into p, code using trade_id;
        if p is not null and random() < p then
          perform nextval('trades_test.kills');
          if code = '08006' then raise exception 'injected fault: the connection was lost' using errcode = '08006'; end if;
          raise exception 'injected fault: the statement failed' using errcode = code;
        end if;
      end $$;
      create or replace function trades_test.ledger_fault() returns trigger language plpgsql as $$
      begin perform trades_test.maybe_die(new.trade_id, 'ledger'); return new; end $$;
      create or replace function trades_test.listings_fault() returns trigger language plpgsql as $$
      begin perform trades_test.maybe_die(coalesce(new.trade_id, old.trade_id)::text, 'listings'); return new; end $$;
      create or replace function trades_test.trades_fault() returns trigger language plpgsql as $$
      begin
        perform trades_test.maybe_die(new.id::text, case when new.saga is null then 'finish' else 'trades' end);
        return new;
      end $$;
      drop trigger if exists trades_test_fault on ledger.holds;
      create trigger trades_test_fault before insert or update on ledger.holds
        for each row execute function trades_test.ledger_fault();
      drop trigger if exists trades_test_fault on listings.listings;
      create trigger trades_test_fault before update on listings.listings
        for each row when (new.trade_id is not null or old.trade_id is not null) execute function trades_test.listings_fault();
      drop trigger if exists trades_test_fault on trades.trades;
      create trigger trades_test_fault before update on trades.trades
        for each row when (old.saga is distinct from new.saga) execute function trades_test.trades_fault();`);
    const errcode = rates.fault === "error" ? "XX000" : "08006";
    for (const id of tradeIds) {
      const finish = rates.finish ?? rates.trades;
      await tx`insert into trades_test.doomed values (${id}, ${rates.ledger}, ${rates.listings}, ${rates.trades}, ${finish}, ${errcode})
        on conflict (trade_id) do update
        set ledger = excluded.ledger, listings = excluded.listings, trades = excluded.trades, finish = excluded.finish, errcode = excluded.errcode`;
    }
  });
}

/** Stops injecting faults for these trades. */
export async function clearFaults(tradeIds: readonly string[]): Promise<void> {
  const sql = database();
  await sql`delete from trades_test.doomed where trade_id in ${sql([...tradeIds])}`;
}

/** Faults injected so far (a sequence: it survives the transactions that died). */
export async function killCount(): Promise<number> {
  const [row] = await database()`select last_value, is_called from trades_test.kills`;
  return row?.is_called ? Number(row.last_value) : 0;
}
