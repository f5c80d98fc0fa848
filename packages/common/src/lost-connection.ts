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

/** The code of `error` or of what it wraps (drizzle wraps the driver's error in `cause`). */
export function databaseErrorCodes(error: unknown): string[] {
  const codes: string[] = [];
  for (let e: unknown = error, depth = 0; typeof e === "object" && e !== null && depth < 5; depth++) {
    if ("code" in e) codes.push(String(e.code));
    e = "cause" in e ? e.cause : undefined;
  }
  return codes;
}

/** True when `error` is a lost database connection. */
export function isLostConnection(error: unknown): boolean {
  return databaseErrorCodes(error).some((code) => LOST.has(code) || code.startsWith("08")); // class 08: connection exception
}

/**
 * Runs `work` again, with jittered exponential backoff, while `shouldRetry(error)` holds (by
 * default: the connection was lost). Only for work that is safe to repeat after a COMMIT whose
 * answer was lost: keyed, idempotent, or conditional on the state it expects.
 */
export async function retryOnLostConnection<T>(
  work: () => Promise<T>,
  { attempts = 10, maxDelayMs = 500, shouldRetry = isLostConnection }: { attempts?: number; maxDelayMs?: number; shouldRetry?: (error: unknown) => boolean } = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!shouldRetry(error) || attempt >= attempts) throw error;
      const ceiling = Math.min(maxDelayMs, 10 * 2 ** attempt);
      await sleep(ceiling / 2 + Math.random() * ceiling);
    }
  }
}
