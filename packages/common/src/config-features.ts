// The sections of one subgraph's features: media's storage and processing, search's index, the
// ledger's credit quotes, trades' clocks and listings' recalls.
import { z } from "zod";
import { httpUrl, nodeEnv, problem, requiredWhen, secret } from "./config-schema.ts";

export const DEV_MEDIA_SIGNING_SECRET = "dev-only-insecure-media-signing-secret-do-not-use-in-production";

/** A variable a variant needs, read as a number: its absence names the choice that needs it. */
const requiredNumber = (condition: string, number: z.ZodNumber) => z.string(requiredWhen(condition)).transform(Number).pipe(number);

const mediaCdn = {
  /** Public image variants are linked under this base (a CDN in front of the store); unset: the store's own URLs. */
  MEDIA_CDN_BASE_URL: httpUrl().optional(),
};

/** Where media blobs live: a folder under DATA_DIR (disk) or an S3-compatible bucket (s3). */
export const storage = z
  .discriminatedUnion(
    "STORAGE_DRIVER",
    [
      z
        .object({
          NODE_ENV: nodeEnv,
          STORAGE_DRIVER: z.literal("disk").default("disk"),
          DATA_DIR: z.string().default(".data"),
          /** The base of the media subgraph's own file URLs (disk driver); unset: the address it listens on. */
          MEDIA_PUBLIC_URL: httpUrl().optional(),
          /** Signs the disk driver's upload and private download URLs (HMAC). */
          MEDIA_SIGNING_SECRET: secret.default(DEV_MEDIA_SIGNING_SECRET),
          ...mediaCdn,
        })
        .superRefine((v, ctx) => {
          if (v.NODE_ENV === "production" && v.MEDIA_SIGNING_SECRET === DEV_MEDIA_SIGNING_SECRET)
            problem(ctx, "MEDIA_SIGNING_SECRET", "the development default is refused in production; set a random secret");
        }),
      z
        .object({
          STORAGE_DRIVER: z.literal("s3"),
          S3_BUCKET: z.string(requiredWhen("STORAGE_DRIVER=s3")).regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be a valid bucket name"),
          S3_ENDPOINT: httpUrl().optional(),
          S3_REGION: z.string().default("us-east-1"),
          S3_ACCESS_KEY_ID: z.string().optional(),
          S3_SECRET_ACCESS_KEY: z.string().optional(),
          /** Path-style addressing (http://host/bucket/key), as MinIO and most S3-compatible stores want. */
          S3_FORCE_PATH_STYLE: z.stringbool().default(true),
          ...mediaCdn,
        })
        .superRefine((v, ctx) => {
          if (Boolean(v.S3_ACCESS_KEY_ID) !== Boolean(v.S3_SECRET_ACCESS_KEY))
            problem(
              ctx,
              v.S3_ACCESS_KEY_ID ? "S3_SECRET_ACCESS_KEY" : "S3_ACCESS_KEY_ID",
              "S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together: set both, or neither to use the AWS default credentials",
            );
        }),
    ],
    { error: (issue) => (issue.code === "invalid_union" ? "must be disk or s3" : undefined) },
  )
  .transform((v) =>
    v.STORAGE_DRIVER === "s3"
      ? {
          driver: "s3" as const,
          bucket: v.S3_BUCKET,
          endpoint: v.S3_ENDPOINT,
          region: v.S3_REGION,
          /** Unset: the AWS default credentials. */
          credentials: v.S3_ACCESS_KEY_ID && v.S3_SECRET_ACCESS_KEY ? { accessKeyId: v.S3_ACCESS_KEY_ID, secretAccessKey: v.S3_SECRET_ACCESS_KEY } : undefined,
          forcePathStyle: v.S3_FORCE_PATH_STYLE,
          cdnBaseUrl: v.MEDIA_CDN_BASE_URL,
        }
      : {
          driver: "disk" as const,
          dataDir: v.DATA_DIR,
          publicUrl: v.MEDIA_PUBLIC_URL,
          signingSecret: v.MEDIA_SIGNING_SECRET,
          cdnBaseUrl: v.MEDIA_CDN_BASE_URL,
        },
  );

/** Media's processing: images, quotas, URLs it hands out, the decoder, scanning, exports. */
export const media = z
  .object({
    /** Images over this many pixels (width × height) are refused before decoding. */
    MEDIA_MAX_PIXELS: z.coerce.number().int().min(1).max(1_000_000_000).default(50_000_000),
    /** Bytes of stored media each member may keep. */
    MEDIA_QUOTA_BYTES: z.coerce
      .number()
      .int()
      .min(0)
      .default(500 * 1024 * 1024),
    /** How long presigned upload and signed download URLs stay valid. */
    MEDIA_URL_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(10)
      .max(7 * 86_400)
      .default(900),
    /**
     * Run media's image decoder (the process that parses uploads) as this user and group (gid:
     * the uid's, unless set), so it cannot read the media process's files or /proc. Needs media
     * to run as root (the container's default). Unset: the decoder runs as media's own user.
     */
    MEDIA_DECODER_UID: z.coerce
      .number()
      .int()
      .min(1)
      .max(2 ** 31 - 1)
      .optional(),
    MEDIA_DECODER_GID: z.coerce
      .number()
      .int()
      .min(1)
      .max(2 ** 31 - 1)
      .optional(),
    /** clamd for malware scanning: tcp://host:3310 or unix:///path/to/clamd.ctl. Unset: no scanning (said at start-up). */
    CLAMAV_URL: z
      .string()
      .regex(/^(tcp:\/\/[^/:]+:\d+|unix:\/\/\/.+)$/, "must be tcp://host:port or unix:///path")
      .optional(),
    /** How long a data export's archive stays downloadable before it is deleted. */
    DATA_EXPORT_TTL_HOURS: z.coerce
      .number()
      .positive()
      .max(24 * 30)
      .default(24 * 7),
  })
  .transform((v) => ({
    maxPixels: v.MEDIA_MAX_PIXELS,
    quotaBytes: v.MEDIA_QUOTA_BYTES,
    urlTtlSeconds: v.MEDIA_URL_TTL_SECONDS,
    decoder: { uid: v.MEDIA_DECODER_UID, gid: v.MEDIA_DECODER_GID },
    clamavUrl: v.CLAMAV_URL,
    dataExportTtlHours: v.DATA_EXPORT_TTL_HOURS,
  }));

/**
 * Purging the CDN in front of public media (docs/media.md#takedown-and-purge): off (no
 * CDN_PURGE_URL: nothing caches our public URLs, or the CDN is purged by hand), or an HTTP purge
 * endpoint, which then needs its bearer token. There is no development token: a deployment that
 * names an endpoint names its token, and production wants one of at least 32 characters, since
 * whoever holds it can evict everything we serve.
 */
export const cdn = z
  .object({
    NODE_ENV: nodeEnv,
    /** Where purge requests go: POST `{ "urls": [...] }` with `Authorization: Bearer CDN_PURGE_TOKEN`. */
    CDN_PURGE_URL: httpUrl().optional(),
    CDN_PURGE_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
    /** How long one purge request may take before it counts as failed (and its job is retried). */
    CDN_PURGE_TIMEOUT_SECONDS: z.coerce.number().min(0.1).max(120).default(10),
  })
  .superRefine((v, ctx) => {
    if (v.CDN_PURGE_URL && !v.CDN_PURGE_TOKEN) problem(ctx, "CDN_PURGE_TOKEN", "is required when CDN_PURGE_URL is set");
    if (!v.CDN_PURGE_URL && v.CDN_PURGE_TOKEN) problem(ctx, "CDN_PURGE_URL", "is required when CDN_PURGE_TOKEN is set (or unset the token)");
    if (v.NODE_ENV === "production" && v.CDN_PURGE_TOKEN !== undefined && v.CDN_PURGE_TOKEN.length < 32)
      problem(ctx, "CDN_PURGE_TOKEN", "must be at least 32 characters in production");
  })
  .transform((v) =>
    v.CDN_PURGE_URL && v.CDN_PURGE_TOKEN
      ? { purge: "http" as const, url: v.CDN_PURGE_URL, token: v.CDN_PURGE_TOKEN, timeoutSeconds: v.CDN_PURGE_TIMEOUT_SECONDS }
      : { purge: "off" as const },
  );

/** The search index: PostgreSQL full-text search (default) or OpenSearch at OPENSEARCH_URL. */
export const search = z
  .discriminatedUnion(
    "SEARCH_ENGINE",
    [
      z.object({ SEARCH_ENGINE: z.literal("postgres").default("postgres") }),
      z.object({
        SEARCH_ENGINE: z.literal("opensearch"),
        OPENSEARCH_URL: httpUrl(requiredWhen("SEARCH_ENGINE=opensearch")),
        /** The alias searches and writes go through; a reindex swaps the index behind it. */
        OPENSEARCH_INDEX: z
          .string()
          .regex(/^[a-z0-9][a-z0-9_-]*$/, "must be a lower-case index name")
          .default("localex-listings"),
      }),
    ],
    { error: (issue) => (issue.code === "invalid_union" ? "must be postgres or opensearch" : undefined) },
  )
  .transform((v) =>
    v.SEARCH_ENGINE === "opensearch" ? { engine: "opensearch" as const, url: v.OPENSEARCH_URL, index: v.OPENSEARCH_INDEX } : { engine: "postgres" as const },
  );

const priceCommon = {
  NODE_ENV: nodeEnv,
  /** The community's reference currency (ISO 4217), the unit of CREDIT_VALUE_MINOR and of the BTC price. */
  CREDIT_CURRENCY: z
    .string()
    .regex(/^[A-Z]{3}$/, "must be an ISO 4217 code, e.g. EUR")
    .default("EUR"),
  /** A BTC price older than this is refreshed before a quote uses it; if it cannot be, quotes answer PRICE_STALE. */
  BTC_PRICE_MAX_AGE_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  /** How long one request to the ticker may take. */
  BTC_PRICE_TIMEOUT_SECONDS: z.coerce.number().min(0.1).max(60).default(5),
};
/** Credit quotes (docs/ledger.md): what one credit is worth, in minor units (cents) of CREDIT_CURRENCY. */
const creditValue = requiredNumber("BTC_PRICE_SOURCE is set", z.number().int().min(1).max(1_000_000));

/**
 * Credit quotes: off (BTC_PRICE_SOURCE unset), a fixed BTC price (development; refused in
 * production) or a Kraken-format ticker over HTTP.
 */
export const pricing = z
  .discriminatedUnion(
    "BTC_PRICE_SOURCE",
    [
      z.object({ ...priceCommon, BTC_PRICE_SOURCE: z.undefined().optional(), CREDIT_VALUE_MINOR: z.string().optional() }).superRefine((v, ctx) => {
        if (v.CREDIT_VALUE_MINOR !== undefined) problem(ctx, "BTC_PRICE_SOURCE", "is required when CREDIT_VALUE_MINOR is set (fixed or http)");
      }),
      z
        .object({
          ...priceCommon,
          BTC_PRICE_SOURCE: z.literal("fixed"),
          CREDIT_VALUE_MINOR: creditValue,
          /** The price of one BTC in minor units of CREDIT_CURRENCY (5000000 = 50 000.00 EUR). */
          BTC_FIXED_PRICE_MINOR: requiredNumber("BTC_PRICE_SOURCE=fixed", z.number().int().min(1).max(Number.MAX_SAFE_INTEGER)),
        })
        .superRefine((v, ctx) => {
          if (v.NODE_ENV === "production") problem(ctx, "BTC_PRICE_SOURCE", "fixed is a development price and is refused in production; use http");
        }),
      z.object({
        ...priceCommon,
        BTC_PRICE_SOURCE: z.literal("http"),
        CREDIT_VALUE_MINOR: creditValue,
        /** Kraken's public Ticker for one pair, e.g. https://api.kraken.com/0/public/Ticker?pair=XBTEUR. */
        BTC_PRICE_URL: httpUrl(requiredWhen("BTC_PRICE_SOURCE=http")),
      }),
    ],
    { error: (issue) => (issue.code === "invalid_union" ? "must be fixed or http (unset: quotes are off)" : undefined) },
  )
  .transform((v) => {
    const common = { currency: v.CREDIT_CURRENCY, maxAgeSeconds: v.BTC_PRICE_MAX_AGE_SECONDS };
    if (v.BTC_PRICE_SOURCE === "fixed")
      return { source: "fixed" as const, ...common, creditValueMinor: v.CREDIT_VALUE_MINOR, fixedPriceMinor: v.BTC_FIXED_PRICE_MINOR };
    if (v.BTC_PRICE_SOURCE === "http")
      return { source: "http" as const, ...common, creditValueMinor: v.CREDIT_VALUE_MINOR, url: v.BTC_PRICE_URL, timeoutSeconds: v.BTC_PRICE_TIMEOUT_SECONDS };
    return { source: "off" as const, ...common };
  });

/** The trades subgraph's clocks. */
export const trades = z
  .object({
    /** How long a proposal or counter-offer stays open before it expires. */
    TRADE_EXPIRY_HOURS: z.coerce
      .number()
      .positive()
      .max(24 * 90)
      .default(24 * 7),
    /** How long an ACCEPTED trade waits for both confirmations before it moves to DISPUTED (escrow is never held forever). */
    TRADE_CONFIRMATION_DAYS: z.coerce.number().positive().max(365).default(14),
    /** How often the recovery sweep looks for trades left between steps and for expired proposals. */
    TRADE_RECOVERY_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
    /** How long a driver of a trade's step owns the trade before another may take over. */
    TRADE_SAGA_LEASE_SECONDS: z.coerce.number().int().min(5).max(3600).default(60),
    /** How long an admin's claim on a dispute (takeDispute) lasts before another admin may take it. */
    DISPUTE_CLAIM_MINUTES: z.coerce
      .number()
      .positive()
      .max(24 * 60)
      .default(30),
  })
  .transform((v) => ({
    expiryHours: v.TRADE_EXPIRY_HOURS,
    confirmationDays: v.TRADE_CONFIRMATION_DAYS,
    recoveryIntervalSeconds: v.TRADE_RECOVERY_INTERVAL_SECONDS,
    sagaLeaseSeconds: v.TRADE_SAGA_LEASE_SECONDS,
    disputeClaimMinutes: v.DISPUTE_CLAIM_MINUTES,
  }));

/** Product recalls (listings' recall check). */
export const recalls = z
  .object({
    /** A JSON feed in the CPSC Recalls web service's format, e.g. https://www.saferproducts.gov/RestWebServices/Recall?format=json. Unset: no recall check. */
    RECALLS_URL: httpUrl().optional(),
    /** How often the recalls are fetched again: minutes that divide an hour, or whole hours that divide a day. */
    RECALLS_REFRESH_MINUTES: z.coerce
      .number()
      .int()
      .min(1)
      .max(1440)
      .refine(
        (m) => (m < 60 && 60 % m === 0) || (m % 60 === 0 && 24 % (m / 60) === 0),
        "must divide an hour (1–30) or be whole hours that divide a day (60, 120, 180, 240, 360, 480, 720, 1440)",
      )
      .default(360),
  })
  .transform((v) => ({ url: v.RECALLS_URL, refreshMinutes: v.RECALLS_REFRESH_MINUTES }));
