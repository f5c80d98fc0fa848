import { databaseErrorCodes, isLostConnection, retryOnLostConnection, type Sql } from "@localex/common";

/** postgres.js's transaction handle, taken from `sql.begin`'s callback (no direct dependency on postgres). */
type BeginCallback = Extract<Parameters<Sql["begin"]>[number], (...args: never[]) => unknown>;
export type Tx = Parameters<BeginCallback>[0];

/**
 * Serialization failures and deadlocks: the transaction did nothing and may simply run again.
 * A lost connection (killed backend, server restart, network) may have lost the COMMIT's
 * answer too; running again is still safe, because every write here is keyed (idempotency
 * key, hold key, welcome key) and a replay returns what the first run stored.
 */
const CONFLICTS = new Set([
  "40001",
  "40P01",
  "RESULT_LOST", // a statement that must return a row returned none: the connection died under it
]);

export function isRetryable(error: unknown): boolean {
  return isLostConnection(error) || databaseErrorCodes(error).some((code) => CONFLICTS.has(code));
}

/** Runs `work` (one transaction, or one statement) again on conflicts and lost connections. */
export function retrying<T>(work: () => Promise<T>): Promise<T> {
  return retryOnLostConnection(work, { attempts: 12, maxDelayMs: 400, shouldRetry: isRetryable });
}

export function inTransaction<T>(sql: Sql, work: (tx: Tx) => Promise<T>): Promise<T> {
  return retrying(async () => (await sql.begin(work)) as T);
}
