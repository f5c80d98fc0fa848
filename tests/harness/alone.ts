// Files that start a graph of their own (docker-compose's pieces, a scale-out topology, child
// test runs) run one at a time, whatever the number of workers: each starts many processes at
// once and holds tens of PostgreSQL connections, and two of them together overran a 2-core
// machine and the shared server's max_connections. The lock is PostgreSQL's (a session-level
// advisory lock on the run's database), so waiting costs one idle connection and no polling.
// tests/harness/sequencer.ts spaces these files out, so a worker seldom waits here.
import postgres from "postgres";
import { afterAll, beforeAll, inject } from "vitest";

const ALONE_LOCK_KEY = 0x10ca1e; // one constant for every file of a run
// Another such file may hold the lock for minutes on a loaded machine.
const ALONE_WAIT_MS = 900_000;

/**
 * Runs the calling file (or `describe` block) while no other file that calls this runs. Call it
 * first, before the hooks that start the pieces, so the lock is held around them.
 */
export function runAlone(): void {
  let db: postgres.Sql | undefined;
  beforeAll(async () => {
    db = postgres(inject("databaseUrl"), { max: 1, onnotice: () => {} });
    await db`select pg_advisory_lock(${ALONE_LOCK_KEY})`;
  }, ALONE_WAIT_MS);
  // Registered first, so it runs after the file's own afterAll hooks have stopped its pieces.
  afterAll(async () => {
    await db?.end({ timeout: 5 }); // ending the session releases its advisory locks
  });
}
