// The configuration as sections (packages/common/src/config.ts): a choice is a variant that
// requires, and types as set, the variables it needs; each piece reads only its own sections; and
// every problem still names the environment variable an operator sets.
import { describe, expect, expectTypeOf, it } from "vitest";
import { CONFIG_VARIABLES, loadConfig, pieceVariables, SECRET_USERS, SUBGRAPH_NAMES, usesSecret, type Piece, type SecretName } from "@localex/common";
import { configProblems, peerUrls } from "./config-fixtures.ts";

const problemsOf = configProblems;
const database = { DATABASE_URL: "postgres://db/localex" };

describe("a choice's variant requires what it needs, naming the variable and the choice", () => {
  it("STORAGE_DRIVER=s3 needs S3_BUCKET; with it, the bucket is a string", () => {
    expect(problemsOf({ STORAGE_DRIVER: "s3" })).toEqual(["S3_BUCKET: is required when STORAGE_DRIVER=s3"]);
    const { storage } = loadConfig({ STORAGE_DRIVER: "s3", S3_BUCKET: "localex-media" });
    if (storage.driver !== "s3") throw new Error("expected the s3 variant");
    expectTypeOf(storage.bucket).toEqualTypeOf<string>();
    expect(storage).toMatchObject({ driver: "s3", bucket: "localex-media", region: "us-east-1", forcePathStyle: true, credentials: undefined });
    // Unset: the disk, under DATA_DIR.
    expect(loadConfig({}).storage).toMatchObject({ driver: "disk", dataDir: ".data" });
  });

  it("refuses a driver that is none of the choices, and half a pair of S3 credentials, naming the variable", () => {
    expect(problemsOf({ STORAGE_DRIVER: "gcs" })).toEqual([expect.stringMatching(/^STORAGE_DRIVER: must be disk or s3 \(got "gcs"\)$/)]);
    expect(problemsOf({ STORAGE_DRIVER: "s3", S3_BUCKET: "localex-media", S3_ACCESS_KEY_ID: "key" })).toEqual([
      expect.stringMatching(/^S3_SECRET_ACCESS_KEY: S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together/),
    ]);
  });

  it("SEARCH_ENGINE=opensearch needs OPENSEARCH_URL; BTC_PRICE_SOURCE=http needs BTC_PRICE_URL", () => {
    expect(problemsOf({ SEARCH_ENGINE: "opensearch" })).toEqual(["OPENSEARCH_URL: is required when SEARCH_ENGINE=opensearch"]);
    const { search } = loadConfig({ SEARCH_ENGINE: "opensearch", OPENSEARCH_URL: "http://opensearch:9200" });
    expect(search).toEqual({ engine: "opensearch", url: "http://opensearch:9200", index: "localex-listings" });
    expect(loadConfig({}).search).toEqual({ engine: "postgres" });

    expect(problemsOf({ BTC_PRICE_SOURCE: "http", CREDIT_VALUE_MINOR: "50" })).toEqual(["BTC_PRICE_URL: is required when BTC_PRICE_SOURCE=http"]);
    const { pricing } = loadConfig({ BTC_PRICE_SOURCE: "http", CREDIT_VALUE_MINOR: "50", BTC_PRICE_URL: "https://api.kraken.com/0/public/Ticker?pair=XBTEUR" });
    if (pricing.source !== "http") throw new Error("expected the http variant");
    expectTypeOf(pricing.url).toEqualTypeOf<string>();
    expectTypeOf(pricing.creditValueMinor).toEqualTypeOf<number>();
    expect(pricing).toMatchObject({ source: "http", creditValueMinor: 50, currency: "EUR", timeoutSeconds: 5 });
    expect(loadConfig({}).pricing.source).toBe("off");
  });

  it("lists the variables of every variant among the configuration's variables", () => {
    for (const variable of [
      "STORAGE_DRIVER",
      "S3_BUCKET",
      "MEDIA_SIGNING_SECRET",
      "OPENSEARCH_URL",
      "OPENSEARCH_INDEX",
      "BTC_PRICE_URL",
      "BTC_FIXED_PRICE_MINOR",
      "CREDIT_VALUE_MINOR",
    ]) {
      expect(CONFIG_VARIABLES, variable).toContain(variable);
    }
  });
});

describe("each piece validates only the sections it reads", () => {
  const mediaOnly = { STORAGE_DRIVER: "s3", MEDIA_MAX_PIXELS: "lots", CLAMAV_URL: "clamd" };

  it("the gateway starts whatever media-only settings say; media refuses them; the whole graph too", () => {
    const gateway = loadConfig(mediaOnly, "gateway");
    expect(gateway.server.port).toBe(4000);
    expect("storage" in gateway).toBe(false);
    const media = problemsOf({ ...database, ...mediaOnly }, "media");
    expect(media).toEqual(
      expect.arrayContaining([
        "S3_BUCKET: is required when STORAGE_DRIVER=s3",
        expect.stringMatching(/^MEDIA_MAX_PIXELS:/),
        expect.stringMatching(/^CLAMAV_URL:/),
      ]),
    );
    expect(media).toHaveLength(3);
    expect(problemsOf(mediaOnly, "graph")).toHaveLength(3);
  });

  it("reads a secret exactly where piece-secrets.ts says it is used (what `pnpm serve` warns about)", () => {
    const pieces: Piece[] = ["gateway", ...SUBGRAPH_NAMES, "operator", "graph"];
    for (const piece of pieces) {
      for (const secret of Object.keys(SECRET_USERS) as SecretName[]) {
        expect(pieceVariables(piece).includes(secret), `${piece} reads ${secret}`).toBe(usesSecret(piece, secret));
      }
    }
    expect(pieceVariables("gateway")).not.toContain("S3_BUCKET");
    expect(pieceVariables("media")).toContain("S3_BUCKET");
  });

  it("a subgraph served on its own needs DATABASE_URL; the gateway has no database", () => {
    expect(problemsOf({}, "ledger")).toEqual(["DATABASE_URL: is required to serve ledger on its own (`pnpm start` runs the embedded database)"]);
    expect(loadConfig(database, "ledger").database.url).toBe(database.DATABASE_URL);
    expect(problemsOf({}, "gateway")).toEqual([]);
  });
});

describe("production rules are the sections' own", () => {
  const production = { NODE_ENV: "production", ...database };

  it("media on disk needs its own signing secret; on S3 it has none to set", () => {
    const media = { ...production, ...peerUrls };
    expect(problemsOf(media, "media")).toContainEqual(expect.stringMatching(/^MEDIA_SIGNING_SECRET: the development default is refused in production/));
    expect(problemsOf({ ...media, STORAGE_DRIVER: "s3", S3_BUCKET: "localex-media" }, "media")).not.toContainEqual(
      expect.stringMatching(/^MEDIA_SIGNING_SECRET/),
    );
    // Outside production the development default serves.
    expect(problemsOf({ ...database }, "media")).toEqual([]);
  });

  it("a piece served on its own needs every other subgraph's URL in production, each named", () => {
    const { LEDGER_URL: _ledger, SEARCH_URL: _search, ...someUrls } = peerUrls;
    const problems = problemsOf({ ...production, ...someUrls }, "trades");
    expect(problems).toContainEqual(expect.stringMatching(/^LEDGER_URL: is required in production to serve trades/));
    expect(problems).toContainEqual(expect.stringMatching(/^SEARCH_URL: is required in production to serve trades/));
    expect(problems.filter((p) => /_URL:/.test(p))).toHaveLength(2);
    // The whole graph in one process finds them itself.
    expect(problemsOf({ ...production, TRADES_PORT: "4003" }, "graph").filter((p) => /^(LEDGER|SEARCH)_URL/.test(p))).toEqual([]);
  });

  it("identity needs SMTP_URL and PUBLIC_APP_URL in production; the ledger, which sends no mail, does not", () => {
    const identity = problemsOf(production, "identity");
    expect(identity).toContainEqual(expect.stringMatching(/^SMTP_URL: is required in production/));
    expect(identity).toContainEqual(expect.stringMatching(/^PUBLIC_APP_URL: is required in production/));
    expect(problemsOf(production, "ledger").filter((p) => /^(SMTP|PUBLIC_APP)_URL/.test(p))).toEqual([]);
    const { mail } = loadConfig({ SMTP_URL: "smtp://mail:25", PUBLIC_APP_URL: "https://localex.example/" });
    expect(mail).toEqual({ transport: { kind: "smtp", url: "smtp://mail:25" }, from: "LocalEx <no-reply@localex.invalid>", appUrl: "https://localex.example" });
  });

  it("refuses a fixed BTC price in production, where http is accepted", () => {
    const quotes = { ...production, CREDIT_VALUE_MINOR: "50" };
    expect(problemsOf({ ...quotes, BTC_PRICE_SOURCE: "fixed", BTC_FIXED_PRICE_MINOR: "5000000" }, "ledger")).toContainEqual(
      expect.stringMatching(/^BTC_PRICE_SOURCE: fixed is a development price and is refused in production/),
    );
    expect(
      problemsOf({ ...quotes, BTC_PRICE_SOURCE: "http", BTC_PRICE_URL: "https://api.kraken.com/0/public/Ticker?pair=XBTEUR" }, "ledger"),
    ).not.toContainEqual(expect.stringMatching(/^BTC_PRICE_SOURCE/));
  });
});
