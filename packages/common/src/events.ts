import { EventEmitter } from "node:events";
import { Redis } from "ioredis";
import type { Changed, Topic } from "./contracts.ts";
import { PostgresEventBus } from "./events-postgres.ts";
import { keepRetained } from "./events-retained.ts";
import type { Logger } from "./logger.ts";

/**
 * Fan-out of domain events to live subscribers. Redis pub/sub when several processes
 * serve the graph (or PostgreSQL's LISTEN/NOTIFY when there is no Redis: events-postgres.ts);
 * an in-process emitter when everything runs in one process.
 */
export interface EventBus {
  /**
   * Sends the event and returns at once: live delivery is best-effort and never holds up the
   * change that caused it (a hung or dead Redis costs a logged warning, not a slow mutation).
   */
  publish<P>(topic: Topic<P>, payload: NoInfer<P>): void;
  /**
   * Publishes `{ id }` and keeps the id under the topic for `ttlSeconds`, so a process that
   * starts later still learns of it (`recent`): e.g. an ended session, whose access tokens
   * outlive the event by up to their lifetime. Resolves once the first try is done (kept and
   * published, or failed) and never rejects; while Redis is away it is tried again, in the
   * background, until it is kept or its time is up. A caller that answers "done" awaits it (with
   * a bound of its own: a hung Redis never settles the first try).
   */
  publishRetained(topic: Topic<Changed>, id: string, ttlSeconds: number): Promise<void>;
  /** The ids published with publishRetained on the topic that have not expired yet. */
  recent(topic: Topic<Changed>): Promise<string[]>;
  /** Returns an unsubscribe function. */
  subscribe<P>(topic: Topic<P>, listener: (payload: P) => void): Promise<() => Promise<void>>;
  /** Told when delivery to this process stops (its Redis connection is lost) and when it resumes. */
  onDeliveryChange(listener: (state: DeliveryState) => void): () => void;
  /** Whether events can be published and received now (for readiness checks). */
  connected(): boolean;
  /** What carries the events, as a readiness check names it when they are not delivered. */
  readonly carrier: string;
  close(): Promise<void>;
}

export type DeliveryState = "interrupted" | "resumed";

export class InProcessEventBus implements EventBus {
  readonly carrier = "in process";
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  /** topic → id → when it expires (ms). */
  private readonly retained = new Map<string, Map<string, number>>();

  async publishRetained(topic: Topic<Changed>, id: string, ttlSeconds: number): Promise<void> {
    const kept = this.retained.get(topic) ?? new Map<string, number>();
    const now = Date.now();
    for (const [old, until] of kept) if (until <= now) kept.delete(old);
    kept.set(id, now + ttlSeconds * 1000);
    this.retained.set(topic, kept);
    this.publish(topic, { id });
  }

  async recent(topic: Topic<Changed>): Promise<string[]> {
    const now = Date.now();
    return [...(this.retained.get(topic) ?? [])].filter(([, until]) => until > now).map(([id]) => id);
  }

  publish<P>(topic: Topic<P>, payload: NoInfer<P>): void {
    // Round-trip through JSON so subscribers see what they would see through Redis.
    const copy: unknown = JSON.parse(JSON.stringify(payload));
    queueMicrotask(() => this.emitter.emit(topic, copy));
  }

  async subscribe<P>(topic: Topic<P>, listener: (payload: P) => void) {
    this.emitter.on(topic, listener);
    return async () => {
      this.emitter.off(topic, listener);
    };
  }

  /** In-process delivery is never interrupted. */
  connected(): boolean {
    return true;
  }

  onDeliveryChange(): () => void {
    return () => {};
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}

export class RedisEventBus implements EventBus {
  readonly carrier = "Redis";
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly local = new EventEmitter().setMaxListeners(0);
  private readonly deliveryChanges = new EventEmitter().setMaxListeners(0);
  private closing = false;

  constructor(
    url: string,
    private readonly prefix: string,
    private readonly log?: Logger,
  ) {
    // Bounded: a publish that Redis does not answer within a second is given up (and logged).
    this.pub = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1, commandTimeout: 1000, connectTimeout: 2000 });
    this.pub.on("error", (err) => this.log?.debug({ err }, "redis publisher connection error"));
    // No ready check (INFO): it is refused once the connection is in subscriber mode, as it is after a reconnect.
    this.sub = new Redis(url, { lazyConnect: false, enableReadyCheck: false });
    // ioredis reconnects and resubscribes by itself; subscribers are told both ways, the log once.
    let interrupted = false;
    this.sub.on("error", (err) => {
      if (interrupted) this.log?.debug({ err }, "redis still unreachable");
      else this.log?.warn({ err }, "redis subscriber connection lost; live events resume when it reconnects");
    });
    this.sub.on("close", () => {
      if (interrupted || this.closing) return;
      interrupted = true;
      this.deliveryChanges.emit("change", "interrupted");
    });
    this.sub.on("ready", () => {
      if (!interrupted) return;
      // ioredis sends the resubscriptions on reconnect; a PING behind them on this connection
      // answers once Redis has taken them, so "resumed" means events are being heard again.
      this.sub.ping().then(
        () => {
          if (!interrupted || this.closing) return;
          interrupted = false;
          this.deliveryChanges.emit("change", "resumed");
        },
        () => {}, // lost again: the next "ready" tries once more
      );
    });
    this.sub.on("message", (channel: string, message: string) => {
      this.local.emit(channel, JSON.parse(message));
    });
  }

  publish<P>(topic: Topic<P>, payload: NoInfer<P>): void {
    this.pub.publish(this.prefix + topic, JSON.stringify(payload)).catch((err: unknown) => {
      this.log?.warn({ err, topic }, "an event was not published; live subscribers miss it (the change itself is saved)");
    });
  }

  /**
   * The id is kept and published in one transaction, tried again (backing off) while Redis is
   * away and the id still matters, so a process that missed the event finds it kept once Redis
   * is back. Only a stop of this process meanwhile loses it.
   */
  publishRetained(topic: Topic<Changed>, id: string, ttlSeconds: number): Promise<void> {
    const key = `${this.prefix}${topic}:recent`;
    const until = Date.now() + ttlSeconds * 1000;
    return keepRetained({ topic, until, carrier: this.carrier, closing: () => this.closing, log: this.log }, async () => {
      const now = Date.now();
      // A sorted set scored by expiry: one key per topic, trimmed as it is written. The key lives
      // as long as its longest-lived id: set when it has no expiry yet (NX), only ever lengthened
      // (GT), so a short-lived id never takes longer-lived ones with it (Redis 7).
      await this.pub
        .multi()
        .zadd(key, until, id)
        .zremrangebyscore(key, "-inf", now)
        .pexpire(key, until - now, "NX")
        .pexpire(key, until - now, "GT")
        .publish(this.prefix + topic, JSON.stringify({ id }))
        .exec();
    });
  }

  async recent(topic: Topic<Changed>): Promise<string[]> {
    return this.pub.zrangebyscore(`${this.prefix}${topic}:recent`, Date.now(), "+inf");
  }

  async subscribe<P>(topic: Topic<P>, listener: (payload: P) => void) {
    const channel = this.prefix + topic;
    if (this.local.listenerCount(channel) === 0) await this.sub.subscribe(channel);
    this.local.on(channel, listener);
    return async () => {
      this.local.off(channel, listener);
      if (this.local.listenerCount(channel) === 0) await this.sub.unsubscribe(channel);
    };
  }

  connected(): boolean {
    return this.pub.status === "ready" && this.sub.status === "ready";
  }

  onDeliveryChange(listener: (state: DeliveryState) => void): () => void {
    this.deliveryChanges.on("change", listener);
    return () => void this.deliveryChanges.off("change", listener);
  }

  async close(): Promise<void> {
    this.closing = true;
    this.deliveryChanges.removeAllListeners();
    this.local.removeAllListeners();
    this.sub.disconnect();
    this.pub.disconnect();
  }
}

/**
 * Redis when REDIS_URL is set; otherwise the graph's PostgreSQL when this process is one of
 * several (`sharedDatabaseUrl`: `pnpm serve`, or `pnpm start` with a process per piece); otherwise
 * in process, where everything is.
 */
export function createEventBus(redisUrl: string | undefined, prefix: string, log?: Logger, sharedDatabaseUrl?: string): EventBus {
  if (redisUrl) return new RedisEventBus(redisUrl, prefix, log);
  return sharedDatabaseUrl ? new PostgresEventBus(sharedDatabaseUrl, prefix, log) : new InProcessEventBus();
}
