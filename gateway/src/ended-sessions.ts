import { LRUCache } from "lru-cache";
import { eventId, TOPICS, type EventBus, type Logger } from "@localex/common";

/**
 * Sessions identity has ended (logout, a reused refresh token, an account being deleted), kept
 * for as long as an access token can outlive them: a token of an ended session is refused at
 * once instead of working until it expires. Fed by the same `sessions:ended` topic that closes
 * the session's sockets, and at start by the ones identity announced within an access token's
 * lifetime (kept in Redis), so a gateway started after the event refuses them too.
 */
export class EndedSessions {
  private readonly ended: LRUCache<string, true>;
  private readonly listeners = new Set<(sessionId: string) => void>();
  private readonly stopListening: Promise<() => Promise<void>>;
  /** Resolves once the sessions ended before this gateway started are known. */
  readonly ready: Promise<void>;

  constructor(events: EventBus, accessTokenTtlSeconds: number, log: Logger) {
    this.ended = new LRUCache<string, true>({ max: 200_000, ttl: accessTokenTtlSeconds * 1000 });
    this.stopListening = events.subscribe(TOPICS.sessionsEnded, (payload) => {
      const id = eventId(payload);
      if (!id) return;
      this.ended.set(id, true);
      for (const listener of this.listeners) listener(id);
    });
    this.stopListening.catch((err: unknown) => log.warn({ err }, "could not follow ended sessions; their access tokens work until they expire"));
    this.ready = events.recent(TOPICS.sessionsEnded).then(
      (ids) => {
        for (const id of ids) this.ended.set(id, true);
      },
      (err: unknown) => log.warn({ err }, "could not read the sessions ended before this gateway started"),
    );
  }

  /** Told of each session that ends from now on (the gateway's sockets of it close); returns a way to stop. */
  onEnded(listener: (sessionId: string) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  has(sessionId: string): boolean {
    return this.ended.has(sessionId);
  }

  async close(): Promise<void> {
    await (await this.stopListening.catch(() => async () => {}))();
  }
}
