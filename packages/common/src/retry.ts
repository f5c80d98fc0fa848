import pRetry from "p-retry";

// A connection that died under a statement (killed backend, server restart, network): the
// statement may or may not have committed, and nothing else is wrong with it.
const LOST_CONNECTION = new Set([
  "57P01", // admin_shutdown: pg_terminate_backend, a fast shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now: the server is starting
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "ECONNRESET",
  "EPIPE",
  "ECONNREFUSED",
  // Ours: a statement that must return a row returned none, because its connection died under it.
  "RESULT_LOST",
]);

// The transaction did nothing and may simply run again.
const CONFLICT = new Set([
  "40001", // serialization_failure
  "40P01", // deadlock_detected
]);

/** The code of `error` and of what it wraps (drizzle wraps the driver's error in `cause`). */
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
  return databaseErrorCodes(error).some((code) => LOST_CONNECTION.has(code) || code.startsWith("08")); // class 08: connection exception
}

/** A lost connection, a serialization failure or a deadlock: the same work may run again. */
export function isTransientDatabaseError(error: unknown): boolean {
  return isLostConnection(error) || databaseErrorCodes(error).some((code) => CONFLICT.has(code));
}

export interface RetryOptions {
  /** Attempts in all, the first included (Infinity: bounded by `maxElapsedMs` alone). */
  attempts: number;
  /** No attempt starts after this many milliseconds from the first. */
  maxElapsedMs?: number;
  /** Whether a failure may be tried again; anything else is thrown at once. */
  retryOn: (error: unknown) => boolean;
  /** The first delay; each next one doubles, jittered up to twice as long, up to `maxDelayMs`. */
  minDelayMs: number;
  maxDelayMs: number;
  onRetry?: (error: unknown, attempt: number) => void;
}

/**
 * Runs `work` again after a failure that `retryOn` accepts, with jittered exponential backoff,
 * at most `attempts` times in all and within `maxElapsedMs`; the last failure is thrown as it was.
 */
export function retry<T>(work: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  return pRetry(work, {
    retries: options.attempts - 1,
    minTimeout: options.minDelayMs,
    maxTimeout: options.maxDelayMs,
    maxRetryTime: options.maxElapsedMs,
    factor: 2,
    randomize: true,
    shouldRetry: ({ error }) => options.retryOn(error),
    onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
      if (retriesLeft > 0 && options.retryOn(error)) options.onRetry?.(error, attemptNumber);
    },
  });
}

/**
 * Database work that is safe to repeat after a COMMIT whose answer was lost (keyed, idempotent,
 * or conditional on the state it expects), run again on lost connections and conflicts. Twelve
 * attempts with delays from 10 ms to 1 s ride out about 6 s of killed connections or a restart.
 */
export function retryDatabaseWork<T>(work: () => Promise<T>, options: Partial<RetryOptions> = {}): Promise<T> {
  return retry(work, { attempts: 12, minDelayMs: 10, maxDelayMs: 1000, retryOn: isTransientDatabaseError, ...options });
}
