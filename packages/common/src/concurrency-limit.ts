import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import type { Config } from "./config.ts";
import type { Logger } from "./logger.ts";

/**
 * Takes a slot under a key if fewer than ARGV[1] are held: a sorted set of leases scored by
 * when they lapse (Redis's clock), lapsed ones dropped first. Returns 1 when taken, else 0.
 */
const TAKE_SLOT = `
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], 0, now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

type SlotRedis = Redis & { takeSlot(key: string, limit: number, leaseMs: number, lease: string): Promise<number> };

/** A slot held; releasing it more than once is harmless. */
export interface Slot {
  release(): void;
}

/**
 * How many of something a key (a member) has in progress at once, e.g. uploads. In Redis when
 * configured, so every gateway replica counts together; each slot is a lease that lapses after
 * `leaseMs` in case its holder dies without releasing it. In memory otherwise, and while Redis
 * is unreachable (each process then counts its own: never fails open).
 */
export class ConcurrencyLimiter {
  private readonly memory = new Map<string, Set<string>>();

  private constructor(
    private readonly redis: SlotRedis | null,
    private readonly prefix: string,
    private readonly leaseMs: number,
  ) {}

  static create(settings: Config["redis"], leaseMs: number, log?: Logger): ConcurrencyLimiter {
    if (!settings.url) return new ConcurrencyLimiter(null, settings.prefix, leaseMs);
    const redis = new Redis(settings.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 500 }) as SlotRedis;
    redis.defineCommand("takeSlot", { numberOfKeys: 1, lua: TAKE_SLOT });
    redis.on("error", (err) => log?.debug({ err }, "concurrency-limit Redis error; counting in memory meanwhile"));
    return new ConcurrencyLimiter(redis, settings.prefix, leaseMs);
  }

  /** One of `limit` slots under `key`, or null when all are held. */
  async take(name: string, key: string, limit: number): Promise<Slot | null> {
    const full = `${this.prefix}concurrent:${name}:${key}`;
    const lease = randomUUID();
    if (this.redis?.status === "ready") {
      try {
        if ((await this.redis.takeSlot(full, limit, this.leaseMs, lease)) !== 1) return null;
        const redis = this.redis;
        return once(() => void redis.zrem(full, lease).catch(() => {})); // unreachable: the lease lapses
      } catch {
        // Unreachable meanwhile: count in memory below.
      }
    }
    const held = this.memory.get(full) ?? new Set<string>();
    if (held.size >= limit) return null;
    held.add(lease);
    this.memory.set(full, held);
    return once(() => {
      held.delete(lease);
      if (held.size === 0 && this.memory.get(full) === held) this.memory.delete(full);
    });
  }

  close(): void {
    this.redis?.disconnect();
  }
}

function once(release: () => void): Slot {
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      release();
    },
  };
}
