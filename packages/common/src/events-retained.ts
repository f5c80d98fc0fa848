import type { Logger } from "./logger.ts";

/**
 * Writes a retained id with `write`, and again (backing off, up to 10 s apart) while it fails and
 * the id still matters (before `until`), so a process that missed the event finds it kept once
 * the carrier is back. Resolves after the first try, whatever it did; only a stop of this
 * process meanwhile loses the id. Said once when it starts failing and once when kept after all.
 */
export function keepRetained(
  retained: { topic: string; until: number; carrier: string; closing: () => boolean; log?: Logger },
  write: () => Promise<void>,
): Promise<void> {
  const { topic, until, carrier, closing, log } = retained;
  let warned = false;
  const attempt = (retryMs: number): Promise<void> =>
    write().then(
      () => {
        if (warned) log?.info({ topic }, "a retained event was kept after all");
      },
      (err: unknown) => {
        if (closing() || Date.now() + retryMs >= until) {
          log?.warn({ err, topic }, "a retained event was not kept; processes that missed it never learn of it");
          return;
        }
        if (!warned) log?.warn({ err, topic }, `a retained event was not kept yet; trying again while ${carrier} is away`);
        warned = true;
        setTimeout(() => void attempt(Math.min(retryMs * 2, 10_000)), retryMs).unref();
      },
    );
  return attempt(500);
}
