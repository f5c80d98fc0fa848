// Which process holds which secret. Each piece of the graph (`pnpm serve <piece>`) is given, and
// in production requires, only the secrets it uses (docker-compose.yml gives each exactly these;
// tests/platform/compose.test.ts checks it): a piece that is broken into (media decodes hostile
// images) holds no key to the others. The whole graph in one process uses them all.
// Production's rules for each secret (set, not a development one) are the configuration's, in
// the section that holds it (config.ts): a piece reads only its sections, so only its secrets.
import { SUBGRAPH_NAMES, type Piece } from "./subgraph-names.ts";

export type { Piece } from "./subgraph-names.ts";

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
  /** The CDN's purge endpoint (CDN_PURGE_URL): whoever holds it can evict what we serve. */
  CDN_PURGE_TOKEN: ["media"],
  /** The database's password: the subgraphs and operators' tools; the gateway has no database. */
  DATABASE_URL: [...SUBGRAPH_NAMES, "operator"],
} as const satisfies Record<string, readonly Piece[]>;
export type SecretName = keyof typeof SECRET_USERS;

export const usesSecret = (piece: Piece, secret: SecretName): boolean => piece === "graph" || (SECRET_USERS[secret] as readonly Piece[]).includes(piece);

/** Secrets set in `env` that `piece` never reads (start-up says so: they should not be there). */
export function unusedSecrets(env: NodeJS.ProcessEnv, piece: Piece): SecretName[] {
  return (Object.keys(SECRET_USERS) as SecretName[]).filter((secret) => env[secret] && !usesSecret(piece, secret));
}
