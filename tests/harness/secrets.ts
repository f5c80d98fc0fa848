import { CallerKeyring, derivedSigningKey, publicKeysText, SERVICE_NAMES, signingKeyText, type ServiceName } from "@localex/common/caller-keys";

// The test run's own secrets (global-setup.ts gives them to the graph; tests sign with them).
export const TEST_JWT_SECRET = "test-only-jwt-secret-0123456789abcdef0123456789";
export const TEST_MEDIA_SIGNING_SECRET = "test-only-media-signing-secret-0123456789abcdef";
/** Every service's caller key in the test graph derives from it, as the development seed does for `pnpm start`. */
export const TEST_CALLER_KEY_SEED = "test-only-caller-key-seed-0123456789abcdef012345";
/** Every service's private key in the test graph: tests sign as the gateway, a subgraph or an operator with it. */
export const TEST_CALLER_KEYS = CallerKeyring.fromSeed(TEST_CALLER_KEY_SEED);

/** What every graph a test or benchmark starts runs with: this environment, in test mode, with the secrets above. */
export function testGraphEnvironment(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: "test",
    LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
    JWT_SECRET: TEST_JWT_SECRET,
    MEDIA_SIGNING_SECRET: TEST_MEDIA_SIGNING_SECRET,
    CALLER_KEY_SEED: TEST_CALLER_KEY_SEED,
  };
}

/**
 * The caller-key settings of one production piece beside the test graph: no seed (production
 * refuses one), its own private key and every service's public key, all the test graph's.
 */
export function testPieceKeys(piece: ServiceName): NodeJS.ProcessEnv {
  return {
    CALLER_KEY_SEED: "",
    CALLER_SIGNING_KEY: signingKeyText(derivedSigningKey(TEST_CALLER_KEY_SEED, piece)),
    CALLER_PUBLIC_KEYS: publicKeysText(SERVICE_NAMES.map((signer) => [signer, derivedSigningKey(TEST_CALLER_KEY_SEED, signer)] as const)),
  };
}

/**
 * Rate limits the test graph runs with beyond the development defaults: the ledger's stress
 * test moves money 500 times each way from one account within seconds.
 */
export const TEST_RATE_LIMITS = { RATE_LIMIT_MONEY_PER_ACCOUNT: "1100/60" } as const;
