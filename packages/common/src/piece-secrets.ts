// Which process holds which secret. Each piece of the graph (`pnpm serve <piece>`) is given, and
// in production requires, only the secrets it uses (docker-compose.yml gives each exactly these;
// tests/platform/compose.test.ts checks it): a piece that is broken into (media decodes hostile
// images) holds no key to the others. The whole graph in one process uses them all.
import { parsePublicKeys, parseSigningKey, samePair } from "./caller-keys.ts";
import { DEV_JWT_SECRET, DEV_MEDIA_SIGNING_SECRET, DEV_VAPID_PRIVATE_KEY, type Config } from "./config.ts";
import { SUBGRAPH_NAMES, type SubgraphName } from "./subgraph-names.ts";

/**
 * What one process runs: one piece (`pnpm serve <piece>`; `pnpm search:reindex` is search's
 * tool), the whole graph (`pnpm start`, the tests' graph), or an operator's tool that works
 * straight on the database (`pnpm admin`, `pnpm ledger:reconcile`).
 */
export type Piece = SubgraphName | "gateway" | "graph" | "operator";

/** Each secret setting and the pieces that use it. */
export const SECRET_USERS = {
  /** Identity issues access tokens (and derives its email-link key from it); the gateway verifies them. */
  JWT_SECRET: ["identity", "gateway"],
  /** Its own caller key: the gateway for its clients, a subgraph for its internal calls. */
  CALLER_SIGNING_KEY: ["gateway", ...SUBGRAPH_NAMES],
  /** Web Push: identity sends the notifications. */
  VAPID_PRIVATE_KEY: ["identity"],
  /** Mail (its URL may hold the SMTP password): identity sends it. */
  SMTP_URL: ["identity"],
  /** The disk driver's signed URLs (STORAGE_DRIVER=disk). */
  MEDIA_SIGNING_SECRET: ["media"],
  /** The bucket (STORAGE_DRIVER=s3). */
  S3_SECRET_ACCESS_KEY: ["media"],
  /** The database's password: the subgraphs and operators' tools; the gateway has no database. */
  DATABASE_URL: [...SUBGRAPH_NAMES, "operator"],
} as const satisfies Record<string, readonly Piece[]>;
export type SecretName = keyof typeof SECRET_USERS;

export const usesSecret = (piece: Piece, secret: SecretName): boolean =>
  piece === "graph" || (SECRET_USERS[secret] as readonly Piece[]).includes(piece);

/** Secrets set in `env` that `piece` never reads (start-up says so: they should not be there). */
export function unusedSecrets(env: NodeJS.ProcessEnv, piece: Piece): SecretName[] {
  return (Object.keys(SECRET_USERS) as SecretName[]).filter((secret) => env[secret] && !usesSecret(piece, secret));
}

export interface SecretProblem {
  variable: string;
  message: string;
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));
const isSubgraph = (piece: Piece): piece is SubgraphName => (SUBGRAPH_NAMES as readonly string[]).includes(piece);

/** The caller keys' form, anywhere; and in production, each secret `piece` uses, set and not a development one. */
export function secretProblems(c: Config, piece: Piece): SecretProblem[] {
  const problems: SecretProblem[] = [];
  const problem = (variable: string, message: string) => problems.push({ variable, message });
  let signingKey: ReturnType<typeof parseSigningKey> | undefined;
  let publicKeys: ReturnType<typeof parsePublicKeys> | undefined;
  try {
    if (c.CALLER_SIGNING_KEY) signingKey = parseSigningKey(c.CALLER_SIGNING_KEY);
  } catch (e) {
    problem("CALLER_SIGNING_KEY", messageOf(e));
  }
  try {
    if (c.CALLER_PUBLIC_KEYS) publicKeys = parsePublicKeys(c.CALLER_PUBLIC_KEYS);
  } catch (e) {
    problem("CALLER_PUBLIC_KEYS", messageOf(e));
  }
  if (piece === "graph" && c.CALLER_SIGNING_KEY)
    problem("CALLER_SIGNING_KEY", "is one piece's own key (pnpm serve <piece>); the whole graph in one process signs with keys of its own");
  const own = isSubgraph(piece) || piece === "gateway" ? publicKeys?.get(piece) : undefined;
  if (signingKey && own && !samePair(signingKey, own))
    problem("CALLER_SIGNING_KEY", `is not the private half of ${piece}'s key in CALLER_PUBLIC_KEYS (keys swapped between pieces?)`);

  if (c.NODE_ENV !== "production") return problems;
  const uses = (secret: SecretName) => usesSecret(piece, secret);
  const devDefault = "the development default is refused in production; set a random secret";
  if (uses("JWT_SECRET") && c.JWT_SECRET === DEV_JWT_SECRET) problem("JWT_SECRET", devDefault);
  if (uses("VAPID_PRIVATE_KEY") && c.VAPID_PRIVATE_KEY === DEV_VAPID_PRIVATE_KEY)
    problem("VAPID_PRIVATE_KEY", "the development key pair is refused in production; generate one (npx web-push generate-vapid-keys)");
  if (uses("MEDIA_SIGNING_SECRET") && c.STORAGE_DRIVER === "disk" && c.MEDIA_SIGNING_SECRET === DEV_MEDIA_SIGNING_SECRET)
    problem("MEDIA_SIGNING_SECRET", devDefault);
  if (uses("DATABASE_URL") && !c.DATABASE_URL) problem("DATABASE_URL", "is required in production (the embedded PostgreSQL is for development)");
  if (c.CALLER_KEY_SEED)
    problem("CALLER_KEY_SEED", "is for development and tests only (every service's key derives from it, so its holder could sign as any); give each piece its own CALLER_SIGNING_KEY (pnpm caller-keys)");
  if (piece !== "graph" && uses("CALLER_SIGNING_KEY") && !c.CALLER_SIGNING_KEY)
    problem("CALLER_SIGNING_KEY", `is required in production: ${piece}'s own private key (pnpm caller-keys prints a set)`);
  if (isSubgraph(piece) && !c.CALLER_PUBLIC_KEYS)
    problem("CALLER_PUBLIC_KEYS", "is required in production: the public key of the gateway and of each service that calls this one (gateway=<key>,trades=<key>,…)");
  else if (isSubgraph(piece) && publicKeys && !publicKeys.has("gateway"))
    problem("CALLER_PUBLIC_KEYS", "must name the gateway's key (gateway=<key>): every client's request comes signed by it");
  return problems;
}
