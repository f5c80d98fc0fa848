// Real connection kills for fault tests. A suite installs triggers that mark a subgraph's
// connection (a transaction-scoped shared advisory lock, which pg_locks shows with its pid)
// when it writes a row of the work under test, and sometimes stall the statement a few tens of
// milliseconds, as a slow disk would, so that kills land inside statements and transactions.
// The killer terminates (pg_terminate_backend) marked connections of the named applications
// while they stall in a marked statement, and only then, so other test files running against the
// same graph see no kill: a connection that merely held the mark could commit between the
// killer's look and its kill, and the kill then landed on the next request the pool gave that
// connection (another file's read, in CI).
//
// Kills are bounded by count, not by time: the killer stops after `budget` kills, whatever the
// machine's speed, so the work under test always finishes, and a retry bound larger than the
// budget is never exhausted.
import { setTimeout as sleep } from "node:timers/promises";
import postgres from "postgres";
import { inject } from "vitest";

/** The advisory lock (two int4 keys) a suite's triggers take to mark a connection. */
export type Mark = readonly [classId: number, objId: number];

export interface Killer {
  /** Stops the loop (if the budget has not already); resolves with the number of connections terminated. */
  stop(): Promise<number>;
}

export function startKiller(options: { mark: Mark; applications: readonly string[]; budget: number; everyMs?: number }): Killer {
  const { mark, applications, budget, everyMs = 10 } = options;
  // Its own connection: the killer must not wait behind the test's queries.
  const db = postgres(inject("databaseUrl"), { max: 1, onnotice: () => {} });
  let running = true;
  let killed = 0;
  const loop = (async () => {
    while (running && killed < budget) {
      const rows = await db<{ ok: boolean }[]>`
        select pg_terminate_backend(pid) as ok from (
          select distinct l.pid from pg_locks l join pg_stat_activity a on a.pid = l.pid
          where l.locktype = 'advisory' and l.classid = ${mark[0]} and l.objid = ${mark[1]} and l.objsubid = 2
            and a.application_name in ${db([...applications])} and l.pid <> pg_backend_pid()
            and a.state = 'active' and a.wait_event = 'PgSleep'
          limit ${budget - killed}) marked`;
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

/** The SQL of a function `<schema>.mark(stall, stall_ms)` that marks the calling connection and maybe stalls it. */
export function markFunctionSql(schema: string, mark: Mark): string {
  return `
    create or replace function ${schema}.mark(stall float8, stall_ms int) returns void language plpgsql as $$
    begin
      perform pg_advisory_xact_lock_shared(${mark[0]}, ${mark[1]});
      if random() < stall then perform pg_sleep(stall_ms / 1000.0); end if;
    end $$;`;
}
