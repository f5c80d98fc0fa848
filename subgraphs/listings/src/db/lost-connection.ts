import { setTimeout as sleep } from "node:timers/promises";

// A connection that died under a statement (killed backend, server restart, network): the
// statement may or may not have committed, and nothing else is wrong with it.
const LOST = new Set([
  "57P01", // admin_shutdown: pg_terminate_backend, a fast shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now: the server is starting
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "ECONNRESET",
  "EPIPE",
  "ECONNREFUSED",
]);

/** True when `error` (or what it wraps: drizzle wraps the driver's error) is a lost connection. */
export function isLostConnection(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; typeof e === "object" && e !== null && depth < 5; depth++) {
    if ("code" in e) {
      const code = String(e.code);
      if (LOST.has(code) || code.startsWith("08")) return true; // class 08: connection exception
    }
    e = "cause" in e ? e.cause : undefined;
  }
  return false;
}

/** Enough to ride out a burst of killed connections or a restart of a few seconds. */
const ATTEMPTS = 10;

/**
 * Runs `work` again, with jittered backoff, when its connection is lost. Only for work that is
 * safe to repeat after a COMMIT whose answer was lost: the trade operations, each idempotent
 * per trade (a replay finds the listings already RESERVED, ACTIVE or TRADED for it).
 */
export async function retryOnLostConnection<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isLostConnection(error) || attempt >= ATTEMPTS) throw error;
      const ceiling = Math.min(500, 10 * 2 ** attempt);
      await sleep(ceiling / 2 + Math.random() * ceiling);
    }
  }
}
