// Credit quotes (docs/ledger.md, "Credit quotes"): what credits are worth in the reference
// currency and in BTC. Three kinds of test, each named by where it runs:
// - [service]: the quotes service in this test's process, built from loadConfig like the ledger
//   builds it, against a Kraken-format ticker this file serves (node:http), with a clock of its own;
// - [gateway, shared graph]: the harness's graph, which has no quote configuration;
// - [gateway, own ledger]: a ledger subgraph of this file's own (BTC_PRICE_SOURCE=http at the
//   local ticker, a 2 s max age) on a fresh database, behind a gateway of its own that routes
//   the ledger to it and every other subgraph to the harness's graph.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadConfig, ConfigError } from "@localex/common";
import { createQuotesService, type QuoteResult } from "../../subgraphs/ledger/src/quotes/quotes.service.ts";
import { GatewayClient } from "../harness/client.ts";
import { freePort, freshDatabase, type FreshDatabase } from "../harness/databases.ts";
import { servePiece, stopPiece, untilHealthy, type Piece } from "../harness/pieces.ts";
import { besideSharedGraph } from "../harness/beside.ts";

const CREDIT_QUOTE = /* GraphQL */ `
  query ($credits: Int!) {
    creditQuote(credits: $credits) {
      quote { credits currency creditValueMinor valueMinor value satoshis btc btcPriceMinor btcPrice priceAt ageSeconds source }
      errors { code message field }
      lastPriceAt
      lastPriceAgeSeconds
    }
  }
`;
type CreditQuote = {
  creditQuote: {
    quote: {
      credits: number;
      currency: string;
      creditValueMinor: number;
      valueMinor: number;
      value: string;
      satoshis: number;
      btc: string;
      btcPriceMinor: number;
      btcPrice: string;
      priceAt: string;
      ageSeconds: number;
      source: string;
    } | null;
    errors: { code: string; message: string; field: string | null }[];
    lastPriceAt: string | null;
    lastPriceAgeSeconds: number | null;
  };
};

// ---------------------------------------------------------------------------------------------
// A ticker in Kraken's public Ticker format (GET /0/public/Ticker?pair=XBTEUR), as documented at
// https://docs.kraken.com/api/docs/rest-api/get-ticker-information: the price is result.<pair>.c[0].

type TickerMode = "ok" | "500" | "not-json" | "no-last-trade" | "kraken-error" | "other-currency" | "bad-price" | "hang";

function krakenTicker(last: string, pair = "XXBTZEUR") {
  return {
    error: [],
    result: {
      [pair]: {
        a: ["30300.10000", "1", "1.000"],
        b: ["30300.00000", "1", "1.000"],
        c: [last, "0.00067643"],
        v: ["4083.67001100", "4412.73601799"],
        p: ["30706.77771", "30689.13205"],
        t: [34619, 38907],
        l: ["29868.30000", "29868.30000"],
        h: ["31631.00000", "31631.00000"],
        o: "30502.80000",
      },
    },
  };
}

class Ticker {
  mode: TickerMode = "ok";
  last = "30303.20000";
  delayMs = 0;
  requests: IncomingMessage[] = [];
  private server!: Server;
  url = "";

  async start(): Promise<this> {
    // node:http ignores what the listener returns, so the answer's promise is marked as let go;
    // a rejection still surfaces as an unhandled one.
    this.server = createServer((request, response) => void this.answer(request, response));
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/0/public/Ticker?pair=XBTEUR`;
    return this;
  }

  private async answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    this.requests.push(request);
    if (this.delayMs) await sleep(this.delayMs);
    const json = (status: number, body: unknown) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(typeof body === "string" ? body : JSON.stringify(body));
    };
    switch (this.mode) {
      case "ok":
        return json(200, krakenTicker(this.last));
      case "500":
        return json(500, { error: ["EService:Unavailable"] });
      case "not-json":
        return json(200, '{"error":[],"result":{"XXBTZEUR":{"c":["30303.2');
      case "no-last-trade":
        return json(200, { error: [], result: { XXBTZEUR: { a: ["30300.1", "1", "1.000"] } } });
      case "kraken-error":
        return json(200, { error: ["EQuery:Unknown asset pair"] });
      case "other-currency":
        return json(200, krakenTicker(this.last, "XXBTZUSD"));
      case "bad-price":
        return json(200, krakenTicker("-1"));
      case "hang":
        return; // never answers
    }
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A clock the test moves. */
function testClock() {
  let t = Date.parse("2026-11-23T12:00:00.000Z");
  return { now: () => t, advance: (seconds: number) => (t += seconds * 1000) };
}

function quotes(env: Record<string, string>, now?: () => number) {
  return createQuotesService(loadConfig({ NODE_ENV: "test", ...env }).pricing, now);
}

function expectError(result: QuoteResult, code: string): Extract<QuoteResult, { ok: false }> {
  if (result.ok) throw new Error(`expected ${code}, got a quote: ${JSON.stringify(result.value)}`);
  expect(result.code).toBe(code);
  return result;
}

function expectQuote(result: QuoteResult) {
  if (!result.ok) throw new Error(`expected a quote, got ${result.code}: ${result.message}`);
  return result.value;
}

// ---------------------------------------------------------------------------------------------

describe("[service] fixed price source (development)", () => {
  it("gives exact integer results: value in cents, satoshis, display strings", async () => {
    const service = quotes({ CREDIT_VALUE_MINOR: "50", BTC_PRICE_SOURCE: "fixed", BTC_FIXED_PRICE_MINOR: "5000000" });
    expect(service.configured).toBe(true);
    const quote = expectQuote(await service.quote(50));
    expect(quote).toMatchObject({
      credits: 50,
      currency: "EUR",
      creditValueMinor: 50,
      valueMinor: 2500,
      value: "25.00",
      satoshis: 50_000, // 25 EUR at 50 000 EUR/BTC = 0.0005 BTC
      btc: "0.00050000",
      btcPriceMinor: 5_000_000,
      btcPrice: "50000.00",
      ageSeconds: 0,
      source: "fixed",
    });
    expect(quote.priceAt).toBeInstanceOf(Date);
    expect(expectQuote(await service.quote(0))).toMatchObject({ valueMinor: 0, value: "0.00", satoshis: 0, btc: "0.00000000" });
    // The largest quote: 1e9 credits = 500 000 000.00 EUR = 10 000 BTC, beyond GraphQL's Int (SafeInt).
    expect(expectQuote(await service.quote(1_000_000_000))).toMatchObject({
      valueMinor: 50_000_000_000,
      value: "500000000.00",
      satoshis: 1_000_000_000_000,
      btc: "10000.00000000",
    });
  });

  it("rounds to the nearest satoshi, halves up", async () => {
    const at30k = quotes({ CREDIT_VALUE_MINOR: "50", BTC_PRICE_SOURCE: "fixed", BTC_FIXED_PRICE_MINOR: "3000000" });
    expect(expectQuote(await at30k.quote(1)).satoshis).toBe(1667); // 1666.67
    const halves = quotes({ CREDIT_VALUE_MINOR: "1", BTC_PRICE_SOURCE: "fixed", BTC_FIXED_PRICE_MINOR: "40000000" });
    expect(expectQuote(await halves.quote(1)).satoshis).toBe(3); // 2.5
    expect(expectQuote(await halves.quote(3)).satoshis).toBe(8); // 7.5
    expect(expectQuote(await halves.quote(2)).satoshis).toBe(5); // exactly 5
  });

  it("uses the currency's own minor units (JPY has none)", async () => {
    const yen = quotes({ CREDIT_CURRENCY: "JPY", CREDIT_VALUE_MINOR: "100", BTC_PRICE_SOURCE: "fixed", BTC_FIXED_PRICE_MINOR: "10000000" });
    expect(expectQuote(await yen.quote(3))).toMatchObject({ currency: "JPY", valueMinor: 300, value: "300", satoshis: 3000, btcPrice: "10000000" });
  });

  it("refuses credits outside 0 to 1 000 000 000 as INVALID_AMOUNT on `credits`", async () => {
    const service = quotes({ CREDIT_VALUE_MINOR: "50", BTC_PRICE_SOURCE: "fixed", BTC_FIXED_PRICE_MINOR: "5000000" });
    for (const credits of [-1, 1_000_000_001, 1.5, Number.NaN]) {
      expect(expectError(await service.quote(credits), "INVALID_AMOUNT").field).toBe("credits");
    }
  });
});

describe("[service] not configured", () => {
  it("answers QUOTES_NOT_CONFIGURED, not a number, whatever the credits", async () => {
    const service = quotes({});
    expect(service.configured).toBe(false);
    for (const credits of [10, -1]) {
      const error = expectError(await service.quote(credits), "QUOTES_NOT_CONFIGURED");
      expect(error.message).toMatch(/not configured/);
    }
  });

  it("[config] refuses half a configuration, a fixed price in production, and malformed values", () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig({ NODE_ENV: "test", ...env });
        return [];
      } catch (e) {
        if (e instanceof ConfigError) return e.problems;
        throw e;
      }
    };
    expect(problems({ BTC_PRICE_SOURCE: "fixed", BTC_FIXED_PRICE_MINOR: "5000000" })).toEqual([expect.stringMatching(/^CREDIT_VALUE_MINOR: is required/)]);
    expect(problems({ CREDIT_VALUE_MINOR: "50" })).toEqual([expect.stringMatching(/^BTC_PRICE_SOURCE: is required/)]);
    expect(problems({ CREDIT_VALUE_MINOR: "50", BTC_PRICE_SOURCE: "fixed" })).toEqual([expect.stringMatching(/^BTC_FIXED_PRICE_MINOR: is required/)]);
    expect(problems({ CREDIT_VALUE_MINOR: "50", BTC_PRICE_SOURCE: "http" })).toEqual([expect.stringMatching(/^BTC_PRICE_URL: is required/)]);
    expect(problems({ CREDIT_VALUE_MINOR: "0.50", BTC_PRICE_SOURCE: "fixed", BTC_FIXED_PRICE_MINOR: "5000000" })).toEqual([
      expect.stringMatching(/^CREDIT_VALUE_MINOR:/),
    ]);
    expect(problems({ CREDIT_VALUE_MINOR: "50", CREDIT_CURRENCY: "eur", BTC_PRICE_SOURCE: "fixed", BTC_FIXED_PRICE_MINOR: "5000000" })).toEqual([
      expect.stringMatching(/^CREDIT_CURRENCY:/),
    ]);
    expect(problems({ CREDIT_VALUE_MINOR: "50", BTC_PRICE_SOURCE: "http", BTC_PRICE_URL: "ftp://example.org/ticker" })).toEqual([
      expect.stringMatching(/^BTC_PRICE_URL:/),
    ]);
    const production = problems({ NODE_ENV: "production", CREDIT_VALUE_MINOR: "50", BTC_PRICE_SOURCE: "fixed", BTC_FIXED_PRICE_MINOR: "5000000" });
    expect(production).toContainEqual(expect.stringMatching(/^BTC_PRICE_SOURCE: fixed is a development price/));
  });
});

describe("[service] HTTP ticker source (Kraken's Ticker format, local node:http server)", () => {
  let ticker: Ticker;
  beforeAll(async () => void (ticker = await new Ticker().start()));
  afterAll(() => ticker.stop());

  const httpEnv = (extra: Record<string, string> = {}) => ({
    CREDIT_VALUE_MINOR: "50",
    BTC_PRICE_SOURCE: "http",
    BTC_PRICE_URL: ticker.url,
    BTC_PRICE_MAX_AGE_SECONDS: "60",
    ...extra,
  });
  const reset = (mode: TickerMode = "ok") => {
    ticker.mode = mode;
    ticker.last = "30303.20000";
    ticker.delayMs = 0;
    ticker.requests = [];
  };

  it("reads the last trade price result.<pair>.c[0] and quotes with it", async () => {
    reset();
    const service = quotes(httpEnv());
    const quote = expectQuote(await service.quote(100));
    expect(quote).toMatchObject({
      credits: 100,
      valueMinor: 5000,
      value: "50.00",
      btcPriceMinor: 3_030_320,
      btcPrice: "30303.20",
      satoshis: 164_999, // 5e11 / 3 030 320 = 164 999.08
      btc: "0.00164999",
      source: "http",
      ageSeconds: 0,
    });
    expect(ticker.requests).toHaveLength(1);
    expect(ticker.requests[0]!.url).toBe("/0/public/Ticker?pair=XBTEUR");
  });

  it("cache: a second quote within the max age does not ask the ticker again; one after it does", async () => {
    reset();
    const clock = testClock();
    const service = quotes(httpEnv(), clock.now);
    const first = expectQuote(await service.quote(10));
    expect(ticker.requests).toHaveLength(1);
    clock.advance(59);
    ticker.last = "40000.00000";
    const second = expectQuote(await service.quote(20));
    expect(ticker.requests).toHaveLength(1);
    expect(second).toMatchObject({ btcPriceMinor: 3_030_320, ageSeconds: 59 });
    expect(second.priceAt).toEqual(first.priceAt);
    clock.advance(1); // 60 s: the max age
    const third = expectQuote(await service.quote(20));
    expect(ticker.requests).toHaveLength(2);
    expect(third).toMatchObject({ btcPriceMinor: 4_000_000, ageSeconds: 0, satoshis: 25_000 });
  });

  it("concurrent quotes on an empty cache share one request", async () => {
    reset();
    ticker.delayMs = 100;
    const service = quotes(httpEnv());
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => service.quote(i)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(ticker.requests).toHaveLength(1);
  });

  it("stale: the ticker answers 500 after the max age → PRICE_STALE with the age; asked again after a pause; recovers", async () => {
    reset();
    const clock = testClock();
    const service = quotes(httpEnv(), clock.now);
    const first = expectQuote(await service.quote(10));
    ticker.mode = "500";
    clock.advance(90);
    const stale = expectError(await service.quote(10), "PRICE_STALE");
    expect(stale.lastPriceAgeSeconds).toBe(90);
    expect(stale.lastPriceAt).toEqual(first.priceAt);
    expect(stale.message).toMatch(/90 s old/);
    expect(stale.message).toMatch(/HTTP 500/);
    expect(ticker.requests).toHaveLength(2);
    // Right after a failure the ticker is not hammered: the same error, the age moving on.
    clock.advance(2);
    expect(expectError(await service.quote(10), "PRICE_STALE").lastPriceAgeSeconds).toBe(92);
    expect(ticker.requests).toHaveLength(2);
    // After min(max age, 5 s) it is asked again; it is back.
    ticker.mode = "ok";
    clock.advance(3);
    expect(expectQuote(await service.quote(10))).toMatchObject({ ageSeconds: 0, btcPriceMinor: 3_030_320 });
    expect(ticker.requests).toHaveLength(3);
  });

  it("stale: the ticker is down (connection refused) after the max age → PRICE_STALE", async () => {
    const own = await new Ticker().start();
    const clock = testClock();
    const service = quotes(httpEnv({ BTC_PRICE_URL: own.url }), clock.now);
    expectQuote(await service.quote(1));
    await own.stop();
    clock.advance(61);
    const stale = expectError(await service.quote(1), "PRICE_STALE");
    expect(stale.lastPriceAgeSeconds).toBe(61);
    expect(stale.message).toMatch(/could not be reached/);
  });

  it("malformed ticker answers, with no price known → PRICE_UNAVAILABLE", async () => {
    const cases: [TickerMode, RegExp][] = [
      ["not-json", /not JSON/],
      ["no-last-trade", /c\[0\]/],
      ["kraken-error", /EQuery:Unknown asset pair/],
      ["other-currency", /no pair quoted in EUR/],
      ["bad-price", /not a positive decimal/],
      ["500", /HTTP 500/],
    ];
    for (const [mode, reason] of cases) {
      reset(mode);
      const error = expectError(await quotes(httpEnv()).quote(10), "PRICE_UNAVAILABLE");
      expect(error.message, mode).toMatch(reason);
      expect(error.lastPriceAgeSeconds, mode).toBeUndefined();
    }
  });

  it("a ticker that does not answer within BTC_PRICE_TIMEOUT_SECONDS → PRICE_UNAVAILABLE", async () => {
    reset("hang");
    const started = Date.now();
    const error = expectError(await quotes(httpEnv({ BTC_PRICE_TIMEOUT_SECONDS: "0.2" })).quote(10), "PRICE_UNAVAILABLE");
    expect(error.message).toMatch(/no answer within 200 ms/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

// ---------------------------------------------------------------------------------------------

describe("[gateway, shared graph] creditQuote without quote configuration", () => {
  it("answers QUOTES_NOT_CONFIGURED as data, to anyone", async () => {
    const res = await new GatewayClient().request(CREDIT_QUOTE, { credits: 10 });
    expect(res.errors).toBeUndefined();
    expect(res.data!.creditQuote).toEqual({
      quote: null,
      errors: [{ code: "QUOTES_NOT_CONFIGURED", message: expect.stringMatching(/not configured/), field: null }],
      lastPriceAt: null,
      lastPriceAgeSeconds: null,
    });
  });
});

describe("[gateway, own ledger] creditQuote with BTC_PRICE_SOURCE=http at a local ticker, max age 2 s", () => {
  const MAX_AGE_SECONDS = 2;
  let ticker: Ticker;
  let database: FreshDatabase;
  let ledger: Piece | undefined;
  let gateway: Piece | undefined;
  let client: GatewayClient;

  beforeAll(async () => {
    ticker = await new Ticker().start();
    ticker.mode = "not-json"; // until the first test has seen it
    database = await freshDatabase(inject("databaseUrl"), "localex_quotes");
    const [ledgerPort, gatewayPort] = [await freePort(), await freePort()];
    const env = besideSharedGraph(
      { ledger: `http://127.0.0.1:${ledgerPort}/graphql` },
      {
        DATABASE_URL: database.url,
        LEDGER_PORT: String(ledgerPort),
        PORT: String(gatewayPort),
        CREDIT_VALUE_MINOR: "50",
        CREDIT_CURRENCY: "EUR",
        BTC_PRICE_SOURCE: "http",
        BTC_PRICE_URL: ticker.url,
        BTC_PRICE_MAX_AGE_SECONDS: String(MAX_AGE_SECONDS),
      },
    );
    ledger = servePiece("ledger", env);
    gateway = servePiece("gateway", env);
    await untilHealthy(`http://127.0.0.1:${ledgerPort}/health`, ledger);
    await untilHealthy(`http://127.0.0.1:${gatewayPort}/health`, gateway);
    client = new GatewayClient(`http://127.0.0.1:${gatewayPort}/graphql`);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([stopPiece(gateway), stopPiece(ledger)]);
    await ticker?.stop();
    await database?.drop();
  }, 60_000);

  const creditQuote = async (credits: number) => {
    const res = await client.request<CreditQuote>(CREDIT_QUOTE, { credits });
    expect(res.errors).toBeUndefined();
    return res.data!.creditQuote;
  };

  it("malformed ticker JSON with no price known yet → PRICE_UNAVAILABLE", async () => {
    const payload = await creditQuote(10);
    expect(payload).toMatchObject({ quote: null, errors: [{ code: "PRICE_UNAVAILABLE", field: null }], lastPriceAt: null, lastPriceAgeSeconds: null });
    expect(payload.errors[0]!.message).toMatch(/not JSON/);
    expect(ticker.requests).toHaveLength(1);
  });

  it("quotes at the ticker's price, exact integers; a second quote within the max age does not ask the ticker", async () => {
    ticker.mode = "ok";
    ticker.last = "55123.45000";
    await sleep(MAX_AGE_SECONDS * 1000 + 100); // past the pause after the failure above
    ticker.requests = [];
    const first = await creditQuote(50);
    expect(first.errors).toEqual([]);
    expect(first.quote).toMatchObject({
      credits: 50,
      currency: "EUR",
      creditValueMinor: 50,
      valueMinor: 2500,
      value: "25.00",
      btcPriceMinor: 5_512_345,
      btcPrice: "55123.45",
      satoshis: 45_353, // 2.5e11 / 5 512 345 = 45 352.75
      btc: "0.00045353",
      source: "http",
    });
    expect(first.quote!.ageSeconds).toBeLessThanOrEqual(1);
    const second = await creditQuote(7);
    expect(second.quote).toMatchObject({ credits: 7, valueMinor: 350, btcPriceMinor: 5_512_345, priceAt: first.quote!.priceAt });
    expect(ticker.requests).toHaveLength(1);
  });

  it("refuses credits out of range as INVALID_AMOUNT on `credits`", async () => {
    expect((await creditQuote(-1)).errors).toEqual([{ code: "INVALID_AMOUNT", message: expect.any(String), field: "credits" }]);
  });

  it("the ticker answers 500 after the max age → PRICE_STALE with the price's age; then it recovers", async () => {
    const known = (await creditQuote(1)).quote;
    ticker.mode = "500";
    await sleep(MAX_AGE_SECONDS * 1000 + 200);
    const before = ticker.requests.length;
    const stale = await creditQuote(1);
    expect(stale).toMatchObject({ quote: null, errors: [{ code: "PRICE_STALE", field: null }], lastPriceAt: known!.priceAt });
    expect(stale.lastPriceAgeSeconds).toBeGreaterThanOrEqual(MAX_AGE_SECONDS);
    expect(stale.errors[0]!.message).toContain(`${stale.lastPriceAgeSeconds} s old`);
    expect(ticker.requests.length).toBe(before + 1);

    ticker.mode = "ok";
    ticker.last = "60000.00000";
    await sleep(MAX_AGE_SECONDS * 1000 + 100); // the pause after a failure: min(max age, 5 s)
    const fresh = await creditQuote(1);
    expect(fresh.errors).toEqual([]);
    expect(fresh.quote).toMatchObject({ btcPriceMinor: 6_000_000, satoshis: 833 }); // 5e9 / 6e6 = 833.33
  });
});
