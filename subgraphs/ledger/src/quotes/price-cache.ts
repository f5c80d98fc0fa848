// The BTC price with its age: asked of the source at most once per max age, one request at a
// time, and never older than the max age when used. A price that is too old and cannot be
// refreshed is an error (PRICE_STALE, with its age), not a quote.
import { accepted, refusal, type Accepted, type Refusal } from "@localex/common";
import type { BtcPriceSource } from "./price-source.ts";
import { PriceSourceError } from "./price-source.ts";

export interface CachedPrice {
  priceMinor: bigint;
  /** When the source gave it (this process's clock, ms since the epoch). */
  fetchedAt: number;
  source: BtcPriceSource["name"];
}

/** PRICE_UNAVAILABLE, or PRICE_STALE with when the last price known was fetched and its age. */
export type PriceRefusal = Refusal & { lastPriceAt?: Date; lastPriceAgeSeconds?: number };

export type PriceLookup = Accepted<{ price: CachedPrice; ageSeconds: number }> | PriceRefusal;

export interface PriceCacheOptions {
  maxAgeMs: number;
  /** After a failed request, the source is not asked again for this long (the error is answered meanwhile). */
  retryAfterMs: number;
  now?: () => number;
}

export class PriceCache {
  private last: CachedPrice | null = null;
  private failure: { at: number; reason: string } | null = null;
  private inFlight: Promise<void> | null = null;
  private readonly now: () => number;

  constructor(
    private readonly source: BtcPriceSource,
    private readonly options: PriceCacheOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The current price: the cached one while it is younger than the max age, else a fresh one. */
  async current(): Promise<PriceLookup> {
    if (!this.fresh() && !this.backingOff()) {
      // Concurrent quotes share one request to the source.
      this.inFlight ??= this.refresh().finally(() => (this.inFlight = null));
      await this.inFlight;
    }
    return this.lookup();
  }

  private fresh(): boolean {
    return this.last !== null && this.now() - this.last.fetchedAt < this.options.maxAgeMs;
  }

  private backingOff(): boolean {
    return this.failure !== null && this.now() - this.failure.at < this.options.retryAfterMs;
  }

  private async refresh(): Promise<void> {
    try {
      const { priceMinor } = await this.source.fetchPrice();
      this.last = { priceMinor, fetchedAt: this.now(), source: this.source.name };
      this.failure = null;
    } catch (e) {
      // Anything but the source's own refusals is a fault of ours: let it surface.
      if (!(e instanceof PriceSourceError)) throw e;
      this.failure = { at: this.now(), reason: e.message };
    }
  }

  private lookup(): PriceLookup {
    const last = this.last;
    const ageSeconds = last ? Math.max(0, Math.floor((this.now() - last.fetchedAt) / 1000)) : 0;
    if (last && this.fresh()) return accepted({ price: last, ageSeconds });
    const reason = this.failure?.reason ?? "the BTC price could not be fetched";
    if (!last) return refusal("PRICE_UNAVAILABLE", `No BTC price is available: ${reason}.`);
    return {
      ...refusal(
        "PRICE_STALE",
        `The last BTC price is ${ageSeconds} s old (the most allowed is ${Math.round(this.options.maxAgeMs / 1000)} s) and could not be refreshed: ${reason}.`,
      ),
      lastPriceAt: new Date(last.fetchedAt),
      lastPriceAgeSeconds: ageSeconds,
    };
  }
}
