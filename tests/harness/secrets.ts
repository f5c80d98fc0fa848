// The test run's own secrets (global-setup.ts gives them to the graph; tests sign with them).
export const TEST_JWT_SECRET = "test-only-jwt-secret-0123456789abcdef0123456789";
export const TEST_GATEWAY_SECRET = "test-only-gateway-secret-0123456789abcdef012345";
export const TEST_MEDIA_SIGNING_SECRET = "test-only-media-signing-secret-0123456789abcdef";

/** What every graph a test or benchmark starts runs with: this environment, in test mode, with the secrets above. */
export function testGraphEnvironment(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: "test",
    LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
    JWT_SECRET: TEST_JWT_SECRET,
    GATEWAY_SECRET: TEST_GATEWAY_SECRET,
    MEDIA_SIGNING_SECRET: TEST_MEDIA_SIGNING_SECRET,
  };
}

/**
 * Rate limits the test graph runs with beyond the development defaults: the ledger's stress
 * test moves money 500 times each way from one account within seconds.
 */
export const TEST_RATE_LIMITS = { RATE_LIMIT_MONEY_PER_ACCOUNT: "1100/60" } as const;
