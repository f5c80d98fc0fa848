import { retryDatabaseWork, type Sql } from "@localex/common";

/** postgres.js's transaction handle, taken from `sql.begin`'s callback (no direct dependency on postgres). */
type BeginCallback = Extract<Parameters<Sql["begin"]>[number], (...args: never[]) => unknown>;
export type Tx = Parameters<BeginCallback>[0];

/**
 * Runs `work` (one transaction, or one statement) again on conflicts and lost connections. A
 * lost connection may have lost the COMMIT's answer too; running again is still safe, because
 * every write here is keyed (idempotency key, hold key, welcome key) and a replay returns what
 * the first run stored.
 */
export function retrying<T>(work: () => Promise<T>): Promise<T> {
  return retryDatabaseWork(work);
}

export function inTransaction<T>(sql: Sql, work: (tx: Tx) => Promise<T>): Promise<T> {
  return retrying(async () => (await sql.begin(work)) as T);
}
