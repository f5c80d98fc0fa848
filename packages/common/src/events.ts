import { EventEmitter } from "node:events";
import { Redis } from "ioredis";

/**
 * Fan-out of domain events to live subscribers. Redis pub/sub when several processes
 * serve the graph; an in-process emitter when everything runs in one process.
 */
export interface EventBus {
  publish(topic: string, payload: unknown): Promise<void>;
  /** Returns an unsubscribe function. */
  subscribe(topic: string, listener: (payload: unknown) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export class InProcessEventBus implements EventBus {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  async publish(topic: string, payload: unknown): Promise<void> {
    // Round-trip through JSON so subscribers see what they would see through Redis.
    const copy: unknown = JSON.parse(JSON.stringify(payload));
    queueMicrotask(() => this.emitter.emit(topic, copy));
  }

  async subscribe(topic: string, listener: (payload: unknown) => void) {
    this.emitter.on(topic, listener);
    return async () => {
      this.emitter.off(topic, listener);
    };
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}

export class RedisEventBus implements EventBus {
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly local = new EventEmitter().setMaxListeners(0);

  constructor(
    url: string,
    private readonly prefix: string,
  ) {
    this.pub = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 3 });
    this.sub = new Redis(url, { lazyConnect: false });
    this.sub.on("message", (channel: string, message: string) => {
      this.local.emit(channel, JSON.parse(message));
    });
  }

  async publish(topic: string, payload: unknown): Promise<void> {
    await this.pub.publish(this.prefix + topic, JSON.stringify(payload));
  }

  async subscribe(topic: string, listener: (payload: unknown) => void) {
    const channel = this.prefix + topic;
    if (this.local.listenerCount(channel) === 0) await this.sub.subscribe(channel);
    this.local.on(channel, listener);
    return async () => {
      this.local.off(channel, listener);
      if (this.local.listenerCount(channel) === 0) await this.sub.unsubscribe(channel);
    };
  }

  async close(): Promise<void> {
    this.local.removeAllListeners();
    this.sub.disconnect();
    this.pub.disconnect();
  }
}

export function createEventBus(redisUrl: string | undefined, prefix: string): EventBus {
  return redisUrl ? new RedisEventBus(redisUrl, prefix) : new InProcessEventBus();
}
