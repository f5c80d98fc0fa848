import { setTimeout as sleep } from "node:timers/promises";
import type { Sql } from "@localex/common";

/** postgres.js's transaction handle, taken from `sql.begin`'s callback (no direct dependency on postgres). */
type BeginCallback = Extract<Parameters<Sql["begin"]>[number], (...args: never[]) => unknown>;
export type Tx = Parameters<BeginCallback>[0];

/** Serialization failures and deadlocks: the transaction did nothing and may simply run again. */
const RETRYABLE = new Set(["40001", "40P01"]);
const MAX_ATTEMPTS = 10;

export function isRetryable(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error && RETRYABLE.has(String(error.code));
}

/**
 * Runs `work` (one transaction, or one statement) again, with jittered exponential backoff,
 * when PostgreSQL aborts it for a serialization failure or deadlock, so callers never see those.
 */
export async function retrying<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isRetryable(error) || attempt >= MAX_ATTEMPTS) throw error;
      const ceiling = Math.min(200, 2 ** attempt);
      await sleep(ceiling / 2 + Math.random() * ceiling);
    }
  }
}

export function inTransaction<T>(sql: Sql, work: (tx: Tx) => Promise<T>): Promise<T> {
  return retrying(async () => (await sql.begin(work)) as T);
}
