import { GraphQLError } from "graphql";
import { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";

/**
 * Counts attempts per key (e.g. failed logins per email) in Redis when configured, so every
 * replica shares the count, or in memory otherwise.
 */
export class AttemptLimiter {
  private constructor(
    private readonly limiter: RateLimiterAbstract,
    private readonly redis: Redis | null,
  ) {}

  static create(options: {
    name: string;
    points: number;
    durationSeconds: number;
    redisUrl?: string;
    redisPrefix: string;
  }): AttemptLimiter {
    const common = { keyPrefix: `${options.redisPrefix}${options.name}`, points: options.points, duration: options.durationSeconds };
    if (!options.redisUrl) return new AttemptLimiter(new RateLimiterMemory(common), null);
    const redis = new Redis(options.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    // While Redis is away the in-memory insurance limiter counts; the outage is logged by the event bus.
    redis.on("error", () => {});
    return new AttemptLimiter(new RateLimiterRedis({ ...common, storeClient: redis, insuranceLimiter: new RateLimiterMemory(common) }), redis);
  }

  /** Throws RATE_LIMITED when the key has used up its attempts. */
  async assertAllowed(key: string): Promise<void> {
    const state = await this.limiter.get(key);
    if (state && state.remainingPoints <= 0) throw rateLimited(state);
  }

  async recordFailure(key: string): Promise<void> {
    await this.limiter.penalty(key, 1);
  }

  async reset(key: string): Promise<void> {
    await this.limiter.delete(key);
  }

  close(): void {
    this.redis?.disconnect();
  }
}

function rateLimited(state: RateLimiterRes): GraphQLError {
  const seconds = Math.ceil(state.msBeforeNext / 1000);
  return new GraphQLError(`Too many attempts. Try again in ${seconds} seconds.`, {
    extensions: { code: "RATE_LIMITED", retryAfterSeconds: seconds },
  });
}
