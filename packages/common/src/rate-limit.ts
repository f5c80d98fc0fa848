import { randomUUID } from "node:crypto";
import { GraphQLError } from "graphql";
import { Redis } from "ioredis";
import { LRUCache } from "lru-cache";
import { requireCaller, type Caller } from "./auth.ts";
import type { Config } from "./config.ts";
import type { Logger } from "./logger.ts";
import { rateRule, type RateLimitName, type RateRule } from "./rate-limit-rules.ts";
import { apiError } from "./errors.ts";

export * from "./rate-limit-rules.ts";

/**
 * Sliding-window log in Redis: drop entries older than the window, count what is left, add this
 * one if there is room. Atomic (one script), on Redis's clock (replicas may disagree on theirs).
 * Returns [allowed, ms until the oldest entry leaves the window].
 */
const SLIDING_WINDOW = `
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], 0, now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return {1, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, tonumber(oldest[2]) + window - now}
`;

/**
 * A budget with a growing wait: the first `free` attempts pass; past them, an attempt must come
 * `base × 2^(attempts past the budget − 1)` ms (at most `cap`) after the last one, and one that
 * comes sooner is refused and counts too, so polling only lengthens the wait. The count is
 * forgotten `window` ms after the wait in force ends. Returns [allowed, ms to wait when refused].
 */
const BACKOFF = `
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local free, base, cap, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local function wait(count)
  if count < free then return 0 end
  return math.min(cap, base * 2 ^ math.min(count - free, 40))
end
local n = tonumber(redis.call('HGET', KEYS[1], 'n') or '0')
local last = tonumber(redis.call('HGET', KEYS[1], 'last') or '0')
local allowed = now >= last + wait(n)
n = n + 1
redis.call('HSET', KEYS[1], 'n', n, 'last', now)
redis.call('PEXPIRE', KEYS[1], wait(n) + window)
if allowed then return {1, 0} end
return {0, wait(n)}
`;

/** Gives back one attempt (it succeeded), so the budget counts only failures. */
const RELEASE = `
if redis.call('HINCRBY', KEYS[1], 'n', -1) <= 0 then redis.call('DEL', KEYS[1]) end
return 0
`;

/** The growing wait of a backoff budget (see BACKOFF). */
export interface Backoff {
  baseSeconds: number;
  maxSeconds: number;
}

type SlidingRedis = Redis & {
  slidingWindow(key: string, windowMs: number, points: number, member: string): Promise<[number, number]>;
  backoff(key: string, free: number, baseMs: number, capMs: number, windowMs: number): Promise<[number, number]>;
  releaseBackoff(key: string): Promise<number>;
};

/**
 * Rate limits with sliding windows (a client cannot double its rate at a window's edge, as with
 * fixed windows): in Redis when configured, so every replica counts together, and in memory
 * otherwise. While Redis is unreachable, each process counts in memory (never fails open).
 * (rate-limiter-flexible, the usual library, has fixed windows only.)
 */
export class RateLimiter {
  private readonly memory = new LRUCache<string, number[]>({ max: 100_000 });
  private readonly budgets = new LRUCache<string, { n: number; last: number; expires: number }>({ max: 100_000 });

  private constructor(
    private readonly redis: SlidingRedis | null,
    private readonly prefix: string,
    private readonly rules: (name: RateLimitName) => RateRule,
  ) {}

  static create(config: Pick<Config, "app" | "redis" | "rateLimits">, log?: Logger): RateLimiter {
    const rules = (name: RateLimitName) => rateRule(name, { NODE_ENV: config.app.env, [`RATE_LIMIT_${name}`]: config.rateLimits[name] });
    if (!config.redis.url) return new RateLimiter(null, config.redis.prefix, rules);
    const redis = new Redis(config.redis.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 500, lazyConnect: false }) as SlidingRedis;
    redis.defineCommand("slidingWindow", { numberOfKeys: 1, lua: SLIDING_WINDOW });
    redis.defineCommand("backoff", { numberOfKeys: 1, lua: BACKOFF });
    redis.defineCommand("releaseBackoff", { numberOfKeys: 1, lua: RELEASE });
    redis.on("error", (err) => log?.debug({ err }, "rate-limit Redis error; counting in memory meanwhile"));
    return new RateLimiter(redis, config.redis.prefix, rules);
  }

  rule(name: RateLimitName): RateRule {
    return this.rules(name);
  }

  /**
   * Counts one use of `name` for each key given (say an account and an address) and throws
   * RATE_LIMITED, with the seconds until a retry can pass, when any is over its limit. Keys that
   * are null (no account: anonymous) are skipped.
   */
  async consume(name: RateLimitName, ...keys: (string | null | undefined)[]): Promise<void> {
    const rule = this.rules(name);
    for (const key of keys) {
      if (!key) continue;
      const waitMs = await this.take(rule, `${this.prefix}rate:${name}:${key}`);
      if (waitMs !== null) throw rateLimitedFor(Math.max(1, Math.ceil(waitMs / 1000)));
    }
  }

  /** The signed-in caller (else UNAUTHENTICATED), once within `name` for their account. */
  async signedIn(name: RateLimitName, caller: Caller | null): Promise<Caller> {
    const signed = requireCaller(caller);
    await this.consume(name, `account:${signed.userId}`);
    return signed;
  }

  /** Forgets a key's uses (a correct password clears its own address's failed attempts). */
  async reset(name: RateLimitName, key: string): Promise<void> {
    const full = `${this.prefix}rate:${name}:${key}`;
    this.memory.delete(full);
    await this.redis?.del(full).catch(() => {});
  }

  /**
   * Counts one attempt against `key`'s budget (the rule's count, forgotten the rule's window
   * after the wait ends) and throws RATE_LIMITED when it comes before the growing wait is over.
   * Give a successful attempt back with `release`, so the budget counts failures.
   */
  async attemptWithin(name: RateLimitName, key: string, backoff: Backoff): Promise<void> {
    const rule = this.rules(name);
    const full = `${this.prefix}rate:${name}:${key}`;
    const [baseMs, capMs, windowMs] = [backoff.baseSeconds * 1000, backoff.maxSeconds * 1000, rule.windowSeconds * 1000];
    let waitMs: number | null = null;
    let counted = false;
    if (this.redis?.status === "ready") {
      try {
        const [allowed, wait] = await this.redis.backoff(full, rule.points, baseMs, capMs, windowMs);
        waitMs = allowed === 1 ? null : wait;
        counted = true;
      } catch {
        // Unreachable meanwhile: count in memory below.
      }
    }
    if (!counted) {
      const now = Date.now();
      const wait = (count: number) => (count < rule.points ? 0 : Math.min(capMs, baseMs * 2 ** Math.min(count - rule.points, 40)));
      const state = this.budgets.get(full);
      const { n, last } = state && state.expires > now ? state : { n: 0, last: 0 };
      this.budgets.set(full, { n: n + 1, last: now, expires: now + wait(n + 1) + windowMs });
      waitMs = now >= last + wait(n) ? null : wait(n + 1);
    }
    if (waitMs !== null) throw rateLimitedFor(Math.max(1, Math.ceil(waitMs / 1000)));
  }

  /** Gives back one attempt counted by `attemptWithin` (it succeeded). */
  async release(name: RateLimitName, key: string): Promise<void> {
    const full = `${this.prefix}rate:${name}:${key}`;
    const state = this.budgets.get(full);
    if (state) {
      if (state.n <= 1) this.budgets.delete(full);
      else state.n -= 1;
    }
    await this.redis?.releaseBackoff(full).catch(() => {});
  }

  close(): void {
    this.redis?.disconnect();
  }

  /** Null when allowed, else the ms to wait. */
  private async take(rule: RateRule, key: string): Promise<number | null> {
    const windowMs = rule.windowSeconds * 1000;
    if (this.redis?.status === "ready") {
      try {
        const [allowed, waitMs] = await this.redis.slidingWindow(key, windowMs, rule.points, randomUUID());
        return allowed === 1 ? null : waitMs;
      } catch {
        // Unreachable meanwhile: count in memory below.
      }
    }
    const now = Date.now();
    const log = (this.memory.get(key) ?? []).filter((at) => at > now - windowMs);
    if (log.length >= rule.points) {
      this.memory.set(key, log);
      return log[0]! + windowMs - now;
    }
    log.push(now);
    this.memory.set(key, log);
    return null;
  }
}

/** RATE_LIMITED: the gateway answers it with HTTP 429 and Retry-After. */
export function rateLimitedFor(seconds: number): GraphQLError {
  return apiError("RATE_LIMITED", `Too many requests. Try again in ${seconds} seconds.`, { retryAfterSeconds: seconds });
}
