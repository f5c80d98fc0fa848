// Sections every piece, or the gateway, reads: the process, the gateway's server, where the
// subgraphs are, the database and Redis, rate limits, caller keys, access tokens and uploads.
import { availableParallelism } from "node:os";
import { z } from "zod";
import { parsePublicKeys, parseSigningKey, samePair } from "./caller-keys.ts";
import { nodeEnv, port, problem, secret } from "./config-schema.ts";
import { RATE_LIMIT_NAMES, RATE_LIMIT_PATTERN, type RateLimitName } from "./rate-limit-rules.ts";
import { SUBGRAPH_NAMES, type Piece, type SubgraphName } from "./subgraph-names.ts";
import { parseTrustProxy } from "./trust-proxy.ts";

/** Development-only secrets: obviously fake, and refused when NODE_ENV=production. */
export const DEV_JWT_SECRET = "dev-only-insecure-jwt-secret-do-not-use-in-production";

const isSubgraph = (piece: Piece): piece is SubgraphName => (SUBGRAPH_NAMES as readonly string[]).includes(piece);
const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

export const app = z
  .object({
    NODE_ENV: nodeEnv,
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    /** How long a stopping process may take (requests in flight, running jobs) before it exits anyway. */
    SHUTDOWN_TIMEOUT_SECONDS: z.coerce.number().min(1).max(600).default(25),
    /**
     * With it, every process's `GET /metrics` answers only `Authorization: Bearer <token>`. Without
     * it, subgraphs (private SUBGRAPH_HOST) serve metrics openly, and the gateway only outside production.
     */
    METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
    /** Local state: the embedded PostgreSQL, the disk driver's media. */
    DATA_DIR: z.string().default(".data"),
  })
  .transform((v) => ({
    env: v.NODE_ENV,
    logLevel: v.LOG_LEVEL,
    shutdownTimeoutSeconds: v.SHUTDOWN_TIMEOUT_SECONDS,
    metricsToken: v.METRICS_TOKEN,
    dataDir: v.DATA_DIR,
  }));

/** The gateway's public side. */
export const server = z
  .object({
    NODE_ENV: nodeEnv,
    /** Where the gateway listens: the public side. */
    HOST: z.string().default("127.0.0.1"),
    PORT: port.default(4000),
    /**
     * Which proxies' X-Forwarded-For to believe for the client's address (rate limits): "false"
     * (the socket's peer), a hop count, or addresses/CIDRs ("loopback, 10.0.0.0/8"); "true"
     * (anyone's, so any client picks its own address) outside production only.
     */
    TRUST_PROXY: z
      .string()
      .default("false")
      .superRefine((value, ctx) => {
        const trouble = parseTrustProxy(value);
        if (typeof trouble === "string") ctx.addIssue({ code: "custom", message: trouble });
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
    /** A client query's entity fetches to one subgraph that start together go as one request (gateway/src/entity-fetches.ts). */
    GATEWAY_MERGE_ENTITY_FETCHES: z.stringbool().default(true),
    /** Connections from each gateway to each subgraph for operations (JSON fetches). */
    GATEWAY_SUBGRAPH_CONNECTIONS: z.coerce.number().int().min(1).max(4096).default(256),
    /** Connections from each gateway to each subgraph for uploads (multipart fetches): their own, so uploads never queue operations. */
    GATEWAY_UPLOAD_CONNECTIONS: z.coerce.number().int().min(1).max(4096).default(64),
    /**
     * `open`: any operation (automatic persisted queries on, the typed client's manifest known in
     * advance); `safelist`: only the operations in the manifest (docs/client.md).
     */
    PERSISTED_OPERATIONS: z.enum(["open", "safelist"]).default("open"),
    /** The typed client's persisted-documents.json; unset: packages/client/src/gql/persisted-documents.json. */
    PERSISTED_OPERATIONS_MANIFEST: z.string().min(1).optional(),
    /** The most one operation may cost (gateway/src/cost.ts: fields times the items their lists return). */
    MAX_OPERATION_COST: z.coerce.number().int().min(100).default(10_000),
  })
  .superRefine((v, ctx) => {
    if (v.NODE_ENV === "production" && parseTrustProxy(v.TRUST_PROXY) === true)
      problem(
        ctx,
        "TRUST_PROXY",
        "true (believe anyone's X-Forwarded-For) is refused in production; set the hop count of your proxies or their addresses/CIDRs",
      );
  })
  .transform((v) => ({
    host: v.HOST,
    port: v.PORT,
    trustProxy: v.TRUST_PROXY,
    anonymousSocketsPerAddress: v.WS_ANONYMOUS_CONNECTIONS_PER_ADDRESS ?? (v.NODE_ENV === "production" ? 20 : 1000),
    subgraphTimeoutSeconds: v.SUBGRAPH_TIMEOUT_SECONDS,
    deduplicateFetches: v.GATEWAY_DEDUPLICATE_FETCHES,
    mergeEntityFetches: v.GATEWAY_MERGE_ENTITY_FETCHES,
    subgraphConnections: v.GATEWAY_SUBGRAPH_CONNECTIONS,
    uploadConnections: v.GATEWAY_UPLOAD_CONNECTIONS,
    persistedOperations: v.PERSISTED_OPERATIONS,
    persistedOperationsManifest: v.PERSISTED_OPERATIONS_MANIFEST,
    maxOperationCost: v.MAX_OPERATION_COST,
  }));

/** The subgraphs `piece` may call: every one for the gateway, every other one for a subgraph. */
export function peersOf(piece: SubgraphName | "gateway"): readonly SubgraphName[] {
  return SUBGRAPH_NAMES.filter((name) => name !== piece);
}

const urlVariable = (name: SubgraphName) => `${name.toUpperCase() as Uppercase<SubgraphName>}_URL` as const;
const portVariable = (name: SubgraphName) => `${name.toUpperCase() as Uppercase<SubgraphName>}_PORT` as const;

/**
 * Where the subgraphs are: their ports here, or (separate processes) their URLs. In production
 * a piece served on its own (`pnpm serve`) needs the URL of every other subgraph: a loopback
 * default there would have it call itself (or nothing) at its first internal call.
 */
export const subgraphsFor = (piece: Piece) =>
  z
    .object({
      NODE_ENV: nodeEnv,
      /**
       * Where subgraphs listen: loopback or a private network, never the gateway's public side.
       * Subgraphs answer only requests the gateway (or a named service) signed, wherever they bind.
       */
      SUBGRAPH_HOST: z.string().default("127.0.0.1"),
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
    })
    .superRefine((v, ctx) => {
      if (v.NODE_ENV !== "production" || (piece !== "gateway" && !isSubgraph(piece))) return;
      for (const peer of peersOf(piece))
        if (!v[urlVariable(peer)])
          problem(
            ctx,
            urlVariable(peer),
            `is required in production to serve ${piece} (where ${peer} listens); without it a call would go to a loopback default`,
          );
    })
    .transform((v) => ({
      host: v.SUBGRAPH_HOST,
      ports: Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, v[portVariable(name)]])) as Record<SubgraphName, number>,
      /** The subgraphs whose <NAME>_URL is set: they run elsewhere. */
      urls: Object.fromEntries(SUBGRAPH_NAMES.flatMap((name) => (v[urlVariable(name)] ? [[name, v[urlVariable(name)]]] : []))) as Partial<
        Record<SubgraphName, string>
      >,
    }));

const databaseVariables = {
  NODE_ENV: nodeEnv,
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  EMBEDDED_POSTGRES_PORT: port.default(54329),
  /** Connections per subgraph pool; the job workers keep their own few. */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
};

/** The database: DATABASE_URL, or the embedded PostgreSQL (`pnpm start`, development; refused in production). */
export const database = z
  .object(databaseVariables)
  .superRefine((v, ctx) => {
    if (v.NODE_ENV === "production" && !v.DATABASE_URL) problem(ctx, "DATABASE_URL", "is required in production (the embedded PostgreSQL is for development)");
  })
  .transform((v) => ({ url: v.DATABASE_URL, embeddedPort: v.EMBEDDED_POSTGRES_PORT, poolSize: v.DATABASE_POOL_SIZE }));

/** A subgraph served on its own (or its tool): DATABASE_URL, anywhere; only `pnpm start` runs the embedded one. */
export const servedDatabase = (piece: SubgraphName) =>
  z
    .object({
      ...databaseVariables,
      DATABASE_URL: z.url({
        protocol: /^postgres(ql)?$/,
        error: (issue) => (issue.input === undefined ? `is required to serve ${piece} on its own (\`pnpm start\` runs the embedded database)` : undefined),
      }),
    })
    .transform((v) => ({ url: v.DATABASE_URL, embeddedPort: v.EMBEDDED_POSTGRES_PORT, poolSize: v.DATABASE_POOL_SIZE }));

/** The gateway and the six subgraphs: more processes than this would have nothing to run. */
const MOST_PROCESSES = 1 + SUBGRAPH_NAMES.length;

/**
 * `pnpm start`: how many processes run the graph. 1: everything in one. N: the gateway (and the
 * embedded database's supervision) in the first, the subgraphs spread over the other N - 1; 7:
 * each subgraph in its own. "auto": one per core, up to 7, so the graph uses the machine's cores.
 */
export const processes = z
  .object({
    GRAPH_PROCESSES: z
      .union([z.literal("auto"), z.coerce.number().int().min(1).max(MOST_PROCESSES)], { error: `must be "auto" or a number from 1 to ${MOST_PROCESSES}` })
      .default("auto"),
  })
  .transform((v) => ({ count: v.GRAPH_PROCESSES === "auto" ? Math.min(availableParallelism(), MOST_PROCESSES) : v.GRAPH_PROCESSES }));

export const redis = z
  .object({
    REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
    /** Prefixes every Redis key and channel, so several deployments (or test runs) can share one Redis. */
    REDIS_PREFIX: z.string().min(1).default("localex:"),
  })
  .transform((v) => ({ url: v.REDIS_URL, prefix: v.REDIS_PREFIX }));

/** `RATE_LIMIT_<NAME>=<count>/<seconds>` for every rule in rate-limit-rules.ts; unset: the environment's default. */
export const rateLimits = z
  .object(
    Object.fromEntries(
      RATE_LIMIT_NAMES.map((name) => [`RATE_LIMIT_${name}`, z.string().regex(RATE_LIMIT_PATTERN, "must be <count>/<seconds>, e.g. 10/60").optional()]),
    ) as Record<`RATE_LIMIT_${RateLimitName}`, z.ZodOptional<z.ZodString>>,
  )
  .transform(
    (v) =>
      Object.fromEntries(RATE_LIMIT_NAMES.flatMap((name) => (v[`RATE_LIMIT_${name}`] ? [[name, v[`RATE_LIMIT_${name}`]]] : []))) as Partial<
        Record<RateLimitName, string>
      >,
  );

/**
 * Caller-token keys (Ed25519): their form anywhere; in production, a piece's own private key and
 * (a subgraph) the gateway's public key, and never the seed every key derives from.
 */
export const callersFor = (piece: Piece) =>
  z
    .object({
      NODE_ENV: nodeEnv,
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
    })
    .superRefine((v, ctx) => {
      let signingKey: ReturnType<typeof parseSigningKey> | undefined;
      let publicKeys: ReturnType<typeof parsePublicKeys> | undefined;
      try {
        if (v.CALLER_SIGNING_KEY) signingKey = parseSigningKey(v.CALLER_SIGNING_KEY);
      } catch (e) {
        problem(ctx, "CALLER_SIGNING_KEY", messageOf(e));
      }
      try {
        if (v.CALLER_PUBLIC_KEYS) publicKeys = parsePublicKeys(v.CALLER_PUBLIC_KEYS);
      } catch (e) {
        problem(ctx, "CALLER_PUBLIC_KEYS", messageOf(e));
      }
      if (piece === "graph" && v.CALLER_SIGNING_KEY)
        problem(ctx, "CALLER_SIGNING_KEY", "is one piece's own key (pnpm serve <piece>); the whole graph in one process signs with keys of its own");
      const own = isSubgraph(piece) || piece === "gateway" ? publicKeys?.get(piece) : undefined;
      if (signingKey && own && !samePair(signingKey, own))
        problem(ctx, "CALLER_SIGNING_KEY", `is not the private half of ${piece}'s key in CALLER_PUBLIC_KEYS (keys swapped between pieces?)`);

      if (v.NODE_ENV !== "production") return;
      if (v.CALLER_KEY_SEED)
        problem(
          ctx,
          "CALLER_KEY_SEED",
          "is for development and tests only (every service's key derives from it, so its holder could sign as any); give each piece its own CALLER_SIGNING_KEY (pnpm caller-keys)",
        );
      if ((piece === "gateway" || isSubgraph(piece)) && !v.CALLER_SIGNING_KEY)
        problem(ctx, "CALLER_SIGNING_KEY", `is required in production: ${piece}'s own private key (pnpm caller-keys prints a set)`);
      if (isSubgraph(piece) && !v.CALLER_PUBLIC_KEYS)
        problem(
          ctx,
          "CALLER_PUBLIC_KEYS",
          "is required in production: the public key of the gateway and of each service that calls this one (gateway=<key>,trades=<key>,…)",
        );
      else if (isSubgraph(piece) && publicKeys && !publicKeys.has("gateway"))
        problem(ctx, "CALLER_PUBLIC_KEYS", "must name the gateway's key (gateway=<key>): every client's request comes signed by it");
    })
    .transform((v) => ({ env: v.NODE_ENV, signingKey: v.CALLER_SIGNING_KEY, publicKeys: v.CALLER_PUBLIC_KEYS, seed: v.CALLER_KEY_SEED }));

/** Access tokens: identity signs them, the gateway verifies them (HS256); no other piece holds the secret. */
export const auth = z
  .object({ NODE_ENV: nodeEnv, JWT_SECRET: secret.default(DEV_JWT_SECRET) })
  .superRefine((v, ctx) => {
    if (v.NODE_ENV === "production" && v.JWT_SECRET === DEV_JWT_SECRET)
      problem(ctx, "JWT_SECRET", "the development default is refused in production; set a random secret");
  })
  .transform((v) => ({ jwtSecret: v.JWT_SECRET }));

/** How long access and refresh tokens live (the gateway and operators' tools say so too). */
export const sessions = z
  .object({
    ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(900),
    REFRESH_TOKEN_TTL_SECONDS: z.coerce.number().int().min(300).max(31_536_000).default(2_592_000),
  })
  .transform((v) => ({ accessTokenTtlSeconds: v.ACCESS_TOKEN_TTL_SECONDS, refreshTokenTtlSeconds: v.REFRESH_TOKEN_TTL_SECONDS }));

/** Uploads, as the gateway's multipart intake and media's disk driver take them. */
export const uploads = z
  .object({
    NODE_ENV: nodeEnv,
    /**
     * The slowest an upload's bytes may arrive (gateway multipart intake, the disk driver's PUT),
     * averaged over each UPLOAD_RATE_WINDOW_SECONDS; slower is refused (408 UPLOAD_TOO_SLOW).
     */
    UPLOAD_MIN_BYTES_PER_SECOND: z.coerce
      .number()
      .int()
      .min(1)
      .max(1024 ** 3)
      .default(8 * 1024),
    UPLOAD_RATE_WINDOW_SECONDS: z.coerce.number().min(1).max(300).default(20),
    /** The longest one upload request may take to arrive, whatever its pace. */
    UPLOAD_MAX_SECONDS: z.coerce.number().min(1).max(3600).default(300),
    /** Multipart uploads one member may have in progress at once (counted in Redis across gateways, when set). */
    UPLOAD_CONCURRENCY_PER_MEMBER: z.coerce.number().int().min(1).max(64).default(4),
    /** Largest image upload, in bytes. */
    MEDIA_MAX_IMAGE_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(1024 ** 3)
      .default(25 * 1024 * 1024),
    /** Largest private document (PDF) upload, in bytes. */
    MEDIA_MAX_DOCUMENT_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(1024 ** 3)
      .default(10 * 1024 * 1024),
  })
  .superRefine((v, ctx) => {
    if (v.UPLOAD_RATE_WINDOW_SECONDS > v.UPLOAD_MAX_SECONDS) problem(ctx, "UPLOAD_RATE_WINDOW_SECONDS", "must not be longer than UPLOAD_MAX_SECONDS");
    // A floor of a few bytes a second is no floor: trickling uploads would hold connections again.
    if (v.NODE_ENV === "production" && v.UPLOAD_MIN_BYTES_PER_SECOND < 1024) problem(ctx, "UPLOAD_MIN_BYTES_PER_SECOND", "must be at least 1024 in production");
  })
  .transform((v) => ({
    pace: { minBytesPerSecond: v.UPLOAD_MIN_BYTES_PER_SECOND, windowSeconds: v.UPLOAD_RATE_WINDOW_SECONDS, maxSeconds: v.UPLOAD_MAX_SECONDS },
    concurrencyPerMember: v.UPLOAD_CONCURRENCY_PER_MEMBER,
    maxImageBytes: v.MEDIA_MAX_IMAGE_BYTES,
    maxDocumentBytes: v.MEDIA_MAX_DOCUMENT_BYTES,
  }));
