/**
 * Reads `read()` until `done` says yes, within a deadline (a bound for a broken graph, never a
 * readiness delay): what a test waits on when the work happens in a background job.
 */
export async function eventually<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Waits into the next whole second. An access token's `iat` is in whole seconds, and a gateway
 * trusts tokens issued in the second a gap in its Redis began (gateway/src/ended-sessions.ts):
 * a test that means a token to be "from before the gap" starts the gap in a later second.
 */
export async function untilNextSecond(): Promise<void> {
  await new Promise((r) => setTimeout(r, 1_000 - (Date.now() % 1_000) + 20));
}
