// Quotes of credits in the reference currency and in BTC: a configured value per credit
// (CREDIT_VALUE_MINOR of CREDIT_CURRENCY) and a BTC price from the configured source, cached
// with its age. Off unless configured: then every quote answers QUOTES_NOT_CONFIGURED.
import { accepted, refusal, type Accepted, type Config } from "@localex/common";
import { PriceCache, type CachedPrice, type PriceRefusal } from "./price-cache.ts";
import { FixedPriceSource, HttpTickerPriceSource, type BtcPriceSource } from "./price-source.ts";
import { divideRounded, minorDigits, minorToDecimal, SATOSHIS_PER_BTC } from "./money.ts";

/** The most credits one quote covers (more than any balance the ledger allows to build up in practice). */
export const MAX_QUOTE_CREDITS = 1_000_000_000;
/** After a failed request to the ticker, it is asked again after at most this long (or the max age, if shorter). */
const RETRY_AFTER_MS = 5_000;

export interface CreditQuoteData {
  credits: number;
  currency: string;
  creditValueMinor: number;
  valueMinor: number;
  value: string;
  satoshis: number;
  btc: string;
  btcPriceMinor: number;
  btcPrice: string;
  priceAt: Date;
  ageSeconds: number;
  source: string;
}

/** A quote, or why not (with PRICE_STALE, the last price known and its age). */
export type QuoteResult = Accepted<CreditQuoteData> | PriceRefusal;

export interface QuoteSettings {
  creditValueMinor: number;
  currency: string;
  source: BtcPriceSource;
  maxAgeSeconds: number;
  now?: () => number;
}

export class QuotesService {
  private readonly cache: PriceCache | null;
  private readonly digits: number;

  /** `settings` null: quotes are not configured. */
  constructor(private readonly settings: QuoteSettings | null) {
    this.digits = settings ? minorDigits(settings.currency) : 2;
    this.cache = settings
      ? new PriceCache(settings.source, {
          maxAgeMs: settings.maxAgeSeconds * 1000,
          retryAfterMs: Math.min(settings.maxAgeSeconds * 1000, RETRY_AFTER_MS),
          now: settings.now,
        })
      : null;
  }

  get configured(): boolean {
    return this.settings !== null;
  }

  async quote(credits: number): Promise<QuoteResult> {
    const settings = this.settings;
    if (!settings || !this.cache) {
      return refusal("QUOTES_NOT_CONFIGURED", "Credit quotes are not configured on this server (CREDIT_VALUE_MINOR and BTC_PRICE_SOURCE).");
    }
    if (!Number.isSafeInteger(credits) || credits < 0 || credits > MAX_QUOTE_CREDITS) {
      return refusal("INVALID_AMOUNT", `Credits must be a whole number from 0 to ${MAX_QUOTE_CREDITS}.`, "credits");
    }
    const lookup = await this.cache.current();
    if (!lookup.ok) return lookup;
    return this.price(credits, settings, lookup.value.price, lookup.value.ageSeconds);
  }

  private price(credits: number, settings: QuoteSettings, price: CachedPrice, ageSeconds: number): QuoteResult {
    const valueMinor = BigInt(credits) * BigInt(settings.creditValueMinor);
    // value / price BTC, in satoshis, rounded to the nearest satoshi (halves up).
    const satoshis = divideRounded(valueMinor * SATOSHIS_PER_BTC, price.priceMinor);
    const max = BigInt(Number.MAX_SAFE_INTEGER);
    if (satoshis > max || price.priceMinor > max) {
      return refusal("INVALID_AMOUNT", "That many credits are too many to quote at this price.", "credits");
    }
    return accepted({
      credits,
      currency: settings.currency,
      creditValueMinor: settings.creditValueMinor,
      valueMinor: Number(valueMinor),
      value: minorToDecimal(valueMinor, this.digits),
      satoshis: Number(satoshis),
      btc: minorToDecimal(satoshis, 8),
      btcPriceMinor: Number(price.priceMinor),
      btcPrice: minorToDecimal(price.priceMinor, this.digits),
      priceAt: new Date(price.fetchedAt),
      ageSeconds,
      source: price.source,
    });
  }
}

/** The service the configuration describes: off, a fixed price, or the HTTP ticker. */
export function createQuotesService(pricing: Config["pricing"], now?: () => number): QuotesService {
  if (pricing.source === "off") return new QuotesService(null);
  const currency = pricing.currency;
  const source: BtcPriceSource =
    pricing.source === "fixed"
      ? new FixedPriceSource(BigInt(pricing.fixedPriceMinor))
      : new HttpTickerPriceSource({ url: pricing.url, currency, digits: minorDigits(currency), timeoutMs: Math.round(pricing.timeoutSeconds * 1000) });
  return new QuotesService({ creditValueMinor: pricing.creditValueMinor, currency, source, maxAgeSeconds: pricing.maxAgeSeconds, now });
}
