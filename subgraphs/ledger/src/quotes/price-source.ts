// The BTC price port and its adapters: a fixed price (development) and an HTTP ticker
// (Kraken's public Ticker format). Chosen by BTC_PRICE_SOURCE, never by editing code.
import { decimalToMinor } from "./money.ts";

/** One observation of the price of 1 BTC, in minor units of the reference currency. */
export interface BtcPrice {
  priceMinor: bigint;
}

/** Where the BTC price comes from. `fetchPrice` rejects with PriceSourceError when it cannot tell. */
export interface BtcPriceSource {
  readonly name: "fixed" | "http";
  fetchPrice(): Promise<BtcPrice>;
}

/** The source answered nothing usable: down, an HTTP error, a timeout, or a body not in the expected format. */
export class PriceSourceError extends Error {
  override name = "PriceSourceError";
}

/** A configured price (BTC_FIXED_PRICE_MINOR): for development and tests, refused in production. */
export class FixedPriceSource implements BtcPriceSource {
  readonly name = "fixed";
  constructor(private readonly priceMinor: bigint) {}
  async fetchPrice(): Promise<BtcPrice> {
    return { priceMinor: this.priceMinor };
  }
}

export interface HttpTickerOptions {
  url: string;
  /** The reference currency (EUR): the ticker's pair must be quoted in it. */
  currency: string;
  digits: number;
  timeoutMs: number;
}

/**
 * Kraken's public Ticker for one pair (https://api.kraken.com/0/public/Ticker?pair=XBTEUR):
 * `{ "error": [], "result": { "XXBTZEUR": { "c": ["<last trade price>", "<lot volume>"], … } } }`.
 * The price used is the last trade's, `result.<pair>.c[0]`; the pair's name (Kraken's own,
 * e.g. XXBTZEUR for XBTEUR) must end in the reference currency, so a ticker for another
 * currency is refused rather than quoted.
 */
export class HttpTickerPriceSource implements BtcPriceSource {
  readonly name = "http";
  constructor(private readonly options: HttpTickerOptions) {}

  async fetchPrice(): Promise<BtcPrice> {
    const { url, currency, digits, timeoutMs } = this.options;
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(timeoutMs) });
      text = await response.text();
    } catch (e) {
      const reason = e instanceof Error && e.name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : "could not be reached";
      throw new PriceSourceError(`the BTC ticker ${reason}`);
    }
    if (!response.ok) throw new PriceSourceError(`the BTC ticker answered HTTP ${response.status}`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new PriceSourceError("the BTC ticker answered something that is not JSON");
    }
    return { priceMinor: parseKrakenTicker(body, currency, digits) };
  }
}

/** The last trade price in `body`, a Kraken Ticker answer, in minor units; PriceSourceError if it has none. */
export function parseKrakenTicker(body: unknown, currency: string, digits: number): bigint {
  if (!isObject(body)) throw new PriceSourceError("the BTC ticker's answer is not a Kraken Ticker object");
  const { error, result } = body;
  if (Array.isArray(error) && error.length > 0) throw new PriceSourceError(`the BTC ticker reported: ${error.map(String).join("; ").slice(0, 200)}`);
  if (!isObject(result)) throw new PriceSourceError("the BTC ticker's answer has no result");
  const pairs = Object.keys(result).filter((name) => name.toUpperCase().endsWith(currency));
  if (pairs.length !== 1) throw new PriceSourceError(`the BTC ticker's result has ${pairs.length === 0 ? "no" : "more than one"} pair quoted in ${currency}`);
  const ticker = result[pairs[0]!];
  const last = isObject(ticker) && Array.isArray(ticker.c) ? ticker.c[0] : undefined;
  const priceMinor = typeof last === "string" ? decimalToMinor(last, digits) : null;
  if (priceMinor === null || priceMinor <= 0n) throw new PriceSourceError("the BTC ticker's last trade price (c[0]) is missing or not a positive decimal");
  return priceMinor;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
