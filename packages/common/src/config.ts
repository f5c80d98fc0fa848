import { z } from "zod";
import { RATE_LIMIT_NAMES, RATE_LIMIT_PATTERN, type RateLimitName } from "./rate-limit-rules.ts";
import { parseTrustProxy } from "./trust-proxy.ts";
import { secretProblems, type Piece } from "./piece-secrets.ts";
import type { SubgraphName } from "./subgraph-names.ts";

export { SUBGRAPH_NAMES, type SubgraphName } from "./subgraph-names.ts";

/** `RATE_LIMIT_<NAME>=<count>/<seconds>` for every rule in rate-limit-rules.ts; unset: the environment's default. */
const rateLimitVariables = Object.fromEntries(
  RATE_LIMIT_NAMES.map((name) => [`RATE_LIMIT_${name}`, z.string().regex(RATE_LIMIT_PATTERN, "must be <count>/<seconds>, e.g. 10/60").optional()]),
) as Record<`RATE_LIMIT_${RateLimitName}`, z.ZodOptional<z.ZodString>>;

/** Development-only secrets: obviously fake, and refused when NODE_ENV=production. */
export const DEV_JWT_SECRET = "dev-only-insecure-jwt-secret-do-not-use-in-production";
export const DEV_MEDIA_SIGNING_SECRET = "dev-only-insecure-media-signing-secret-do-not-use-in-production";
/** A development-only VAPID key pair for Web Push (generated once, published here, refused in production). */
export const DEV_VAPID_PUBLIC_KEY = "BPAi8-Ir-4qeDuXRVCAkp1TmSahHXqCeksyAUNI0vj5mNpntKcpFzhpkUoiLRvK6z_RkPfPkBm6LiuUJvhoiRTc";
export const DEV_VAPID_PRIVATE_KEY = "SChQoQD-ltMuyuuXE8SNB_GY0ZM3iY-WexE6FqjwI14";

/**
 * The public Web Push services (Chrome and Edge's FCM, Firefox's autopush, Windows' WNS, Safari's
 * APNs): the only hosts a browser's push endpoint is on, and so the only ones we push to.
 */
export const PUBLIC_PUSH_SERVICE_HOSTS = [
  "fcm.googleapis.com",
  "updates.push.services.mozilla.com",
  "*.notify.windows.com",
  "web.push.apple.com",
  "*.push.apple.com",
] as const;
/** A host name, or `*.` and a domain for any name under it (never a bare `*`). */
const PUSH_HOST_PATTERN = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

const port = z.coerce.number().int().min(0).max(65535);
const secret = z.string().min(32, "must be at least 32 characters");

const schema = z
  .object({
    NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
    /** Where the gateway listens: the public side. */
    HOST: z.string().default("127.0.0.1"),
    /**
     * Where subgraphs listen: loopback or a private network, never the gateway's public side.
     * Subgraphs answer only requests the gateway (or a named service) signed, wherever they bind.
     */
    SUBGRAPH_HOST: z.string().default("127.0.0.1"),
    /**
     * Which proxies' X-Forwarded-For to believe for the client's address (rate limits): "false"
     * (the socket's peer), a hop count, or addresses/CIDRs ("loopback, 10.0.0.0/8"); "true"
     * (anyone's, so any client picks its own address) outside production only.
     */
    TRUST_PROXY: z
      .string()
      .default("false")
      .superRefine((value, ctx) => {
        const problem = parseTrustProxy(value);
        if (typeof problem === "string") ctx.addIssue({ code: "custom", message: problem });
      }),
    /**
     * Anonymous WebSocket connections one client address (an IPv6 /64) may hold open at one
     * gateway process; members' connections are not counted. Unset: 20 in production, 1000
     * elsewhere (a test suite opens many from 127.0.0.1).
     */
    WS_ANONYMOUS_CONNECTIONS_PER_ADDRESS: z.coerce.number().int().min(1).max(100_000).optional(),
    /** How long the gateway waits for a subgraph's answer to one operation (uploads: from their last byte). */
    SUBGRAPH_TIMEOUT_SECONDS: z.coerce.number().min(1).max(300).default(30),
    /** Identical subgraph fetches of queries in flight at once (same caller, document and variables) share one request. */
    GATEWAY_DEDUPLICATE_FETCHES: z.stringbool().default(true),
    /** Connections from each gateway to each subgraph for operations (JSON fetches). */
    GATEWAY_SUBGRAPH_CONNECTIONS: z.coerce.number().int().min(1).max(4096).default(256),
    /** Connections from each gateway to each subgraph for uploads (multipart fetches): their own, so uploads never queue operations. */
    GATEWAY_UPLOAD_CONNECTIONS: z.coerce.number().int().min(1).max(4096).default(64),
    /**
     * The slowest an upload's bytes may arrive (gateway multipart intake, the disk driver's PUT),
     * averaged over each UPLOAD_RATE_WINDOW_SECONDS; slower is refused (408 UPLOAD_TOO_SLOW).
     */
    UPLOAD_MIN_BYTES_PER_SECOND: z.coerce.number().int().min(1).max(1024 ** 3).default(8 * 1024),
    UPLOAD_RATE_WINDOW_SECONDS: z.coerce.number().min(1).max(300).default(20),
    /** The longest one upload request may take to arrive, whatever its pace. */
    UPLOAD_MAX_SECONDS: z.coerce.number().min(1).max(3600).default(300),
    /** Multipart uploads one member may have in progress at once (counted in Redis across gateways, when set). */
    UPLOAD_CONCURRENCY_PER_MEMBER: z.coerce.number().int().min(1).max(64).default(4),
    /**
     * `open`: any operation (automatic persisted queries on, the typed client's manifest known in
     * advance); `safelist`: only the operations in the manifest (docs/client.md).
     */
    PERSISTED_OPERATIONS: z.enum(["open", "safelist"]).default("open"),
    /** The typed client's persisted-documents.json; unset: packages/client/src/gql/persisted-documents.json. */
    PERSISTED_OPERATIONS_MANIFEST: z.string().min(1).optional(),
    /** The most one operation may cost (gateway/src/cost.ts: fields times the items their lists return). */
    MAX_OPERATION_COST: z.coerce.number().int().min(100).default(10_000),
    ...rateLimitVariables,
    /**
     * Past an account's LOGIN_FAILURES_PER_ACCOUNT, an attempt from a device not known for it must
     * come this long after the last one, doubled for each attempt since, up to the maximum.
     */
    LOGIN_BACKOFF_BASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(1),
    LOGIN_BACKOFF_MAX_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
    PORT: port.default(4000),
    IDENTITY_PORT: port.default(4001),
    LISTINGS_PORT: port.default(4002),
    TRADES_PORT: port.default(4003),
    LEDGER_PORT: port.default(4004),
    MEDIA_PORT: port.default(4005),
    SEARCH_PORT: port.default(4006),
    /** Where the gateway finds each subgraph when they run as separate processes. */
    IDENTITY_URL: z.url().optional(),
    LISTINGS_URL: z.url().optional(),
    TRADES_URL: z.url().optional(),
    LEDGER_URL: z.url().optional(),
    MEDIA_URL: z.url().optional(),
    SEARCH_URL: z.url().optional(),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    DATA_DIR: z.string().default(".data"),
    EMBEDDED_POSTGRES_PORT: port.default(54329),
    REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
    /** Access tokens: identity signs them, the gateway verifies them (HS256); no other piece holds it. */
    JWT_SECRET: secret.default(DEV_JWT_SECRET),
    /**
     * This process's own private key for caller tokens (Ed25519, `pnpm caller-keys` makes them):
     * the gateway's, or a subgraph's for its internal calls. Required by `pnpm serve <piece>` in
     * production; in development and tests every key derives from CALLER_KEY_SEED instead.
     */
    CALLER_SIGNING_KEY: z.string().optional(),
    /**
     * Each signer's public key, `gateway=<key>,trades=<key>,…` (or a JSON object): a subgraph
     * accepts a caller token only from a signer named here whose key verifies it. Required (with
     * the gateway's) by a subgraph in production; in development, derived from CALLER_KEY_SEED.
     */
    CALLER_PUBLIC_KEYS: z.string().optional(),
    /**
     * Development and tests only: every service's caller key pair derives from it (unset: a
     * published development seed). Refused in production: a process holding it could sign as any.
     */
    CALLER_KEY_SEED: secret.optional(),
    ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(900),
    REFRESH_TOKEN_TTL_SECONDS: z.coerce.number().int().min(300).max(31_536_000).default(2_592_000),
    ADMIN_EMAILS: z
      .string()
      .default("")
      .transform((s) => s.split(",").map((e) => e.trim().toLowerCase()).filter(Boolean)),
    /** The search index: PostgreSQL full-text search (default) or OpenSearch at OPENSEARCH_URL. */
    SEARCH_ENGINE: z.enum(["postgres", "opensearch"]).default("postgres"),
    OPENSEARCH_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** The alias searches and writes go through; a reindex swaps the index behind it. */
    OPENSEARCH_INDEX: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "must be a lower-case index name").default("localex-listings"),
    /** Connections per subgraph pool; the job workers keep their own few. */
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
    /** Prefixes every Redis key and channel, so several deployments (or test runs) can share one Redis. */
    REDIS_PREFIX: z.string().min(1).default("localex:"),
    /** How long a proposal or counter-offer stays open before it expires. */
    TRADE_EXPIRY_HOURS: z.coerce.number().positive().max(24 * 90).default(24 * 7),
    /** How long an ACCEPTED trade waits for both confirmations before it moves to DISPUTED (escrow is never held forever). */
    TRADE_CONFIRMATION_DAYS: z.coerce.number().positive().max(365).default(14),
    /** How often the recovery sweep looks for trades left between steps and for expired proposals. */
    TRADE_RECOVERY_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
    /** How long a driver of a trade's step owns the trade before another may take over. */
    TRADE_SAGA_LEASE_SECONDS: z.coerce.number().int().min(5).max(3600).default(60),
    /** How long an admin's claim on a dispute (takeDispute) lasts before another admin may take it. */
    DISPUTE_CLAIM_MINUTES: z.coerce.number().positive().max(24 * 60).default(30),
    /** Where media blobs live: a folder under DATA_DIR (disk) or an S3-compatible bucket (s3). */
    STORAGE_DRIVER: z.enum(["disk", "s3"]).default("disk"),
    S3_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
    S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be a valid bucket name").optional(),
    S3_REGION: z.string().default("us-east-1"),
    S3_ACCESS_KEY_ID: z.string().optional(),
    S3_SECRET_ACCESS_KEY: z.string().optional(),
    /** Path-style addressing (http://host/bucket/key), as MinIO and most S3-compatible stores want. */
    S3_FORCE_PATH_STYLE: z.stringbool().default(true),
    /** Public image variants are linked under this base (a CDN in front of the store); unset: the store's own URLs. */
    MEDIA_CDN_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** The base of the media subgraph's own file URLs (disk driver); unset: the address it listens on. */
    MEDIA_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** Signs the disk driver's upload and private download URLs (HMAC). */
    MEDIA_SIGNING_SECRET: secret.default(DEV_MEDIA_SIGNING_SECRET),
    /** Largest image upload, in bytes. */
    MEDIA_MAX_IMAGE_BYTES: z.coerce.number().int().min(1024).max(1024 ** 3).default(25 * 1024 * 1024),
    /** Largest private document (PDF) upload, in bytes. */
    MEDIA_MAX_DOCUMENT_BYTES: z.coerce.number().int().min(1024).max(1024 ** 3).default(10 * 1024 * 1024),
    /** Images over this many pixels (width × height) are refused before decoding. */
    MEDIA_MAX_PIXELS: z.coerce.number().int().min(1).max(1_000_000_000).default(50_000_000),
    /** Bytes of stored media each member may keep. */
    MEDIA_QUOTA_BYTES: z.coerce.number().int().min(0).default(500 * 1024 * 1024),
    /** How long presigned upload and signed download URLs stay valid. */
    MEDIA_URL_TTL_SECONDS: z.coerce.number().int().min(10).max(7 * 86_400).default(900),
    /**
     * Run media's image decoder (the process that parses uploads) as this user and group (gid:
     * the uid's, unless set), so it cannot read the media process's files or /proc. Needs media
     * to run as root (the container's default). Unset: the decoder runs as media's own user.
     */
    MEDIA_DECODER_UID: z.coerce.number().int().min(1).max(2 ** 31 - 1).optional(),
    MEDIA_DECODER_GID: z.coerce.number().int().min(1).max(2 ** 31 - 1).optional(),
    /** clamd for malware scanning: tcp://host:3310 or unix:///path/to/clamd.ctl. Unset: no scanning (said at start-up). */
    CLAMAV_URL: z.string().regex(/^(tcp:\/\/[^/:]+:\d+|unix:\/\/\/.+)$/, "must be tcp://host:port or unix:///path").optional(),
    /** Outgoing mail: smtp://user:pass@host:port (smtps:// for TLS). Unset: mail goes to the development inbox. */
    SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
    MAIL_FROM: z.string().default("LocalEx <no-reply@localex.invalid>"),
    /** The web app's address: links in mail (email verification, notifications) point under it. Required in production. */
    PUBLIC_APP_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** How long the email-verification link mailed at registration stays valid. */
    EMAIL_VERIFICATION_TTL_SECONDS: z.coerce.number().int().min(60).max(30 * 86_400).default(48 * 3600),
    /** How long a password-reset link works (it also stops working once the password changes). */
    PASSWORD_RESET_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(30 * 60),
    /** How long the link confirming a new email address works (changeEmail → confirmEmailChange). */
    EMAIL_CHANGE_TTL_SECONDS: z.coerce.number().int().min(60).max(7 * 86_400).default(24 * 3600),
    /** How long the undo link mailed to the old address works (undoEmailChange); the old address stays reserved meanwhile. */
    EMAIL_CHANGE_UNDO_TTL_SECONDS: z.coerce.number().int().min(3600).max(30 * 86_400).default(7 * 86_400),
    /** Web Push (VAPID): the key pair and a contact (mailto: or https:) push services may reach. */
    VAPID_PUBLIC_KEY: z.string().min(20).default(DEV_VAPID_PUBLIC_KEY),
    VAPID_PRIVATE_KEY: z.string().min(20).default(DEV_VAPID_PRIVATE_KEY),
    VAPID_SUBJECT: z.string().regex(/^(mailto:|https:)/, "must be a mailto: or https: URL").default("mailto:dev@localex.invalid"),
    /**
     * The hosts push endpoints may be on, comma-separated (`*.example.org`: any name under it).
     * A subscription elsewhere is refused at registration (PUSH_ENDPOINT_NOT_ALLOWED) and never sent to.
     */
    PUSH_ENDPOINT_HOSTS: z
      .string()
      .default(PUBLIC_PUSH_SERVICE_HOSTS.join(","))
      .transform((s) => s.split(",").map((h) => h.trim().toLowerCase()).filter(Boolean))
      .pipe(z.array(z.string().regex(PUSH_HOST_PATTERN, "each must be a host name or *.domain")).min(1, "must name at least one host")),
    /**
     * Development and tests only: push endpoints on this machine (localhost, 127.0.0.1, ::1) are
     * accepted and sent to, for a local stand-in push service. Refused in production.
     */
    PUSH_ALLOW_LOOPBACK: z.stringbool().default(false),
    /** How long one notification's push to all of a member's browsers may take, together (they are sent at once). */
    PUSH_SEND_BUDGET_SECONDS: z.coerce.number().min(1).max(60).default(5),
    /** How long a data export's archive stays downloadable before it is deleted. */
    DATA_EXPORT_TTL_HOURS: z.coerce.number().positive().max(24 * 30).default(24 * 7),
    /** How long a verification request's private documents are kept after the decision (0: deleted at once). */
    VERIFICATION_DOCUMENT_RETENTION_HOURS: z.coerce.number().min(0).max(24 * 365).default(24 * 7),
    /** Notifications of one kind within this window go out as one email (a digest). */
    NOTIFICATION_DIGEST_SECONDS: z.coerce.number().int().min(0).max(86_400).default(120),
    /**
     * Product recalls (listings' recall check): a JSON feed in the CPSC Recalls web service's format,
     * e.g. https://www.saferproducts.gov/RestWebServices/Recall?format=json. Unset: no recall check.
     */
    RECALLS_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** How often the recalls are fetched again: minutes that divide an hour, or whole hours that divide a day. */
    RECALLS_REFRESH_MINUTES: z.coerce
      .number()
      .int()
      .min(1)
      .max(1440)
      .refine((m) => (m < 60 && 60 % m === 0) || (m % 60 === 0 && 24 % (m / 60) === 0), "must divide an hour (1–30) or be whole hours that divide a day (60, 120, 180, 240, 360, 480, 720, 1440)")
      .default(360),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    /**
     * With it, every process's `GET /metrics` answers only `Authorization: Bearer <token>`. Without
     * it, subgraphs (private SUBGRAPH_HOST) serve metrics openly, and the gateway only outside production.
     */
    METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
    /** How long a stopping process may take (requests in flight, running jobs) before it exits anyway. */
    SHUTDOWN_TIMEOUT_SECONDS: z.coerce.number().min(1).max(600).default(25),
    /** Credit quotes (docs/ledger.md): what one credit is worth, in minor units (cents) of CREDIT_CURRENCY. Unset: quotes are off. */
    CREDIT_VALUE_MINOR: z.coerce.number().int().min(1).max(1_000_000).optional(),
    /** The community's reference currency (ISO 4217), the unit of CREDIT_VALUE_MINOR and of the BTC price. */
    CREDIT_CURRENCY: z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code, e.g. EUR").default("EUR"),
    /** Where the BTC price comes from: fixed (BTC_FIXED_PRICE_MINOR, development) or http (a Kraken-format ticker at BTC_PRICE_URL). Unset: quotes are off. */
    BTC_PRICE_SOURCE: z.enum(["fixed", "http"]).optional(),
    /** With BTC_PRICE_SOURCE=fixed: the price of one BTC in minor units of CREDIT_CURRENCY (5000000 = 50 000.00 EUR). */
    BTC_FIXED_PRICE_MINOR: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
    /** With BTC_PRICE_SOURCE=http: Kraken's public Ticker for one pair, e.g. https://api.kraken.com/0/public/Ticker?pair=XBTEUR. */
    BTC_PRICE_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** A BTC price older than this is refreshed before a quote uses it; if it cannot be, quotes answer PRICE_STALE. */
    BTC_PRICE_MAX_AGE_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
    /** How long one request to the ticker may take. */
    BTC_PRICE_TIMEOUT_SECONDS: z.coerce.number().min(0.1).max(60).default(5),
  })
  .superRefine((c, ctx) => {
    if (c.SEARCH_ENGINE === "opensearch" && !c.OPENSEARCH_URL)
      ctx.addIssue({ code: "custom", path: ["OPENSEARCH_URL"], message: "is required when SEARCH_ENGINE=opensearch" });
    if (c.STORAGE_DRIVER === "s3" && !c.S3_BUCKET)
      ctx.addIssue({ code: "custom", path: ["S3_BUCKET"], message: "is required when STORAGE_DRIVER=s3" });
    if (c.BTC_PRICE_SOURCE && c.CREDIT_VALUE_MINOR === undefined)
      ctx.addIssue({ code: "custom", path: ["CREDIT_VALUE_MINOR"], message: "is required when BTC_PRICE_SOURCE is set" });
    if (c.CREDIT_VALUE_MINOR !== undefined && !c.BTC_PRICE_SOURCE)
      ctx.addIssue({ code: "custom", path: ["BTC_PRICE_SOURCE"], message: "is required when CREDIT_VALUE_MINOR is set (fixed or http)" });
    if (c.BTC_PRICE_SOURCE === "fixed" && c.BTC_FIXED_PRICE_MINOR === undefined)
      ctx.addIssue({ code: "custom", path: ["BTC_FIXED_PRICE_MINOR"], message: "is required when BTC_PRICE_SOURCE=fixed" });
    if (c.BTC_PRICE_SOURCE === "http" && !c.BTC_PRICE_URL)
      ctx.addIssue({ code: "custom", path: ["BTC_PRICE_URL"], message: "is required when BTC_PRICE_SOURCE=http" });
    if (c.LOGIN_BACKOFF_MAX_SECONDS < c.LOGIN_BACKOFF_BASE_SECONDS)
      ctx.addIssue({ code: "custom", path: ["LOGIN_BACKOFF_MAX_SECONDS"], message: "must be at least LOGIN_BACKOFF_BASE_SECONDS" });
    if (c.UPLOAD_RATE_WINDOW_SECONDS > c.UPLOAD_MAX_SECONDS)
      ctx.addIssue({ code: "custom", path: ["UPLOAD_RATE_WINDOW_SECONDS"], message: "must not be longer than UPLOAD_MAX_SECONDS" });
    if (c.NODE_ENV === "production" && c.BTC_PRICE_SOURCE === "fixed")
      ctx.addIssue({ code: "custom", path: ["BTC_PRICE_SOURCE"], message: "fixed is a development price and is refused in production; use http" });
    if (c.NODE_ENV === "production" && c.PUSH_ALLOW_LOOPBACK)
      ctx.addIssue({ code: "custom", path: ["PUSH_ALLOW_LOOPBACK"], message: "is for a local stand-in push service in development and tests; refused in production" });
    if (c.NODE_ENV !== "production") return;
    // A floor of a few bytes a second is no floor: trickling uploads would hold connections again.
    if (c.UPLOAD_MIN_BYTES_PER_SECOND < 1024)
      ctx.addIssue({ code: "custom", path: ["UPLOAD_MIN_BYTES_PER_SECOND"], message: "must be at least 1024 in production" });
    if (parseTrustProxy(c.TRUST_PROXY) === true)
      ctx.addIssue({
        code: "custom",
        path: ["TRUST_PROXY"],
        message: "true (believe anyone's X-Forwarded-For) is refused in production; set the hop count of your proxies or their addresses/CIDRs",
      });
  });

export type Config = z.output<typeof schema>;

/** Every variable the configuration reads (listed, with its default, in .env.example). */
export const CONFIG_VARIABLES = Object.keys(schema.shape) as readonly (keyof Config)[];

/** WS_ANONYMOUS_CONNECTIONS_PER_ADDRESS, else the environment's default. */
export function anonymousSocketsPerAddress(config: Pick<Config, "NODE_ENV" | "WS_ANONYMOUS_CONNECTIONS_PER_ADDRESS">): number {
  return config.WS_ANONYMOUS_CONNECTIONS_PER_ADDRESS ?? (config.NODE_ENV === "production" ? 20 : 1000);
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/**
 * Reads and validates the environment once; every problem is reported, not just the first.
 * `piece` is what the process runs (piece-secrets.ts): production requires only the secrets it
 * uses. Unnamed: the whole graph in one process, which uses them all.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, piece: Piece = "graph"): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const result = schema.safeParse(cleaned);
  // Secrets and keys are never echoed back.
  const got = (key: string) => (key in cleaned && !/SECRET|_KEY|PASSWORD/.test(key) ? ` (got ${JSON.stringify(cleaned[key])})` : "");
  if (!result.success) throw new ConfigError(result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}${got(i.path.join("."))}`));
  const problems = secretProblems(result.data, piece);
  if (problems.length > 0) throw new ConfigError(problems.map((p) => `${p.variable}: ${p.message}`));
  return result.data;
}

export function subgraphUrlOverrides(config: Config): Partial<Record<SubgraphName, string>> {
  const urls: Partial<Record<SubgraphName, string | undefined>> = {
    identity: config.IDENTITY_URL,
    listings: config.LISTINGS_URL,
    trades: config.TRADES_URL,
    ledger: config.LEDGER_URL,
    media: config.MEDIA_URL,
    search: config.SEARCH_URL,
  };
  return Object.fromEntries(Object.entries(urls).filter(([, url]) => url)) as Partial<Record<SubgraphName, string>>;
}

export function subgraphPort(config: Config, name: SubgraphName): number {
  const ports: Record<SubgraphName, number> = {
    identity: config.IDENTITY_PORT,
    listings: config.LISTINGS_PORT,
    trades: config.TRADES_PORT,
    ledger: config.LEDGER_PORT,
    media: config.MEDIA_PORT,
    search: config.SEARCH_PORT,
  };
  return ports[name];
}

/** For entry points: the configuration, or a clear message and exit code 1. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env, piece: Piece = "graph"): Config {
  try {
    return loadConfig(env, piece);
  } catch (e) {
    console.error(e instanceof ConfigError ? e.message : e);
    process.exit(1);
  }
}
