// The decoder's environment is built from an allow-list, never copied from the media process:
// whatever a hostile image gets to run in the decoder finds no secret to take.
import { SECRET_USERS } from "@localex/common/piece-secrets";

/** What the decoder needs to run (Node finds its binary and temp dir; locale for libvips' messages). */
const PASSED_THROUGH = ["PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "NODE_ENV", "UV_THREADPOOL_SIZE"] as const;

/**
 * Variables the decoder refuses to start with: every secret of piece-secrets.ts, and those
 * settings that are secret without being any one piece's (the development key seed, the
 * bucket's key id, a Redis URL's password).
 */
export const FORBIDDEN_IN_DECODER: readonly string[] = [...Object.keys(SECRET_USERS), "CALLER_KEY_SEED", "S3_ACCESS_KEY_ID", "REDIS_URL"];

export function decoderEnv(parent: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of PASSED_THROUGH) if (parent[name] !== undefined) env[name] = parent[name];
  return env;
}

/** The forbidden variables set in `env`, by name only (their values are never printed). */
export function secretsIn(env: NodeJS.ProcessEnv): string[] {
  return FORBIDDEN_IN_DECODER.filter((name) => env[name] !== undefined);
}
