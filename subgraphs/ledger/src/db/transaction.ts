import { setTimeout as sleep } from "node:timers/promises";
import type { Sql } from "@localex/common";

/** postgres.js's transaction handle, taken from `sql.begin`'s callback (no direct dependency on postgres). */
type BeginCallback = Extract<Parameters<Sql["begin"]>[number], (...args: never[]) => unknown>;
export type Tx = Parameters<BeginCallback>[0];

/**
 * Serialization failures and deadlocks: the transaction did nothing and may simply run again.
 * A lost connection (killed backend, server restart, network) may have lost the COMMIT's
 * answer too; running again is still safe, because every write here is keyed (idempotency
 * key, hold key, welcome key) and a replay returns what the first run stored.
 */
const RETRYABLE = new Set([
  "40001",
  "40P01",
  "57P01", // admin_shutdown: pg_terminate_backend, a fast shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now: the server is starting
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "ECONNRESET",
  "EPIPE",
  "RESULT_LOST", // a statement that must return a row returned none: the connection died under it
  "ECONNREFUSED",
]);
/** Enough to ride out a burst of conflicts or a database restart of a few seconds. */
const MAX_ATTEMPTS = 20;

export function isRetryable(error: unknown): boolean {
  if (typeof error !== "object" || error === null || !("code" in error)) return false;
  const code = String(error.code);
  return RETRYABLE.has(code) || code.startsWith("08"); // class 08: connection exception
}

/**
 * Runs `work` (one transaction, or one statement) again, with jittered exponential backoff,
 * when PostgreSQL aborts it for a serialization failure or deadlock, or the connection is lost,
 * so callers never see those.
 */
export async function retrying<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isRetryable(error) || attempt >= MAX_ATTEMPTS) throw error;
      const ceiling = Math.min(400, 2 ** attempt);
      await sleep(ceiling / 2 + Math.random() * ceiling);
    }
  }
}

export function inTransaction<T>(sql: Sql, work: (tx: Tx) => Promise<T>): Promise<T> {
  return retrying(async () => (await sql.begin(work)) as T);
}
