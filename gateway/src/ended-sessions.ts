import { LRUCache } from "lru-cache";
import { eventId, TOPICS, type EventBus, type Logger } from "@localex/common";

/** What the gateway knows of a token's session: ended, not checkable now (a gap), or nothing against it. */
export type SessionCheck = "ended" | "unverifiable" | null;

/** How long to wait before reading the kept sessions again after a failed read (doubling, capped). */
const RELOAD_RETRY_MS = { first: 250, max: 5_000 };
/** How long start-up waits to follow ended sessions before serving without (the gap open). */
const START_WAIT_MS = 3_000;

/**
 * Sessions identity has ended (logout, a reused refresh token, an account being deleted), kept
 * for as long as an access token can outlive them: a token of an ended session is refused at
 * once instead of working until it expires. Fed by the same `sessions:ended` topic that closes
 * the session's sockets, and by the ones identity announced within an access token's lifetime
 * (kept in Redis), read at start and again after every gap.
 *
 * Fails closed on a gap: from the moment this gateway stops following the topic (its Redis
 * connection lost, or before the first read at start) until it follows it again and has read
 * the kept sessions anew, a session may have ended unheard, so tokens issued before the gap are
 * refused ("refresh the session": identity checks the session in its database and issues a new
 * one). Tokens issued during the gap are trusted meanwhile; a session that ended during the gap
 * is refused once the gap closes (the read), and its sockets close then.
 */
export class EndedSessions {
  private readonly ended: LRUCache<string, true>;
  private readonly listeners = new Set<(sessionId: string) => void>();
  private readonly stopListening: Promise<() => Promise<void>>;
  private readonly stopWatching: () => void;
  /** When the current gap began (ms), or null while following. */
  private gapSince: number | null = Date.now();
  /** Counts interruptions, so a read that an interruption overtook does not close the gap. */
  private interruptions = 0;
  private closed = false;
  private retry?: NodeJS.Timeout;
  /** Resolves once this gateway follows ended sessions (the ones before it started read), or after START_WAIT_MS without Redis. */
  readonly ready: Promise<void>;

  constructor(
    private readonly events: EventBus,
    accessTokenTtlSeconds: number,
    private readonly log: Logger,
  ) {
    this.ended = new LRUCache<string, true>({ max: 200_000, ttl: accessTokenTtlSeconds * 1000 });
    this.stopWatching = events.onDeliveryChange((state) => {
      if (state === "interrupted") {
        this.interruptions++;
        this.gapSince ??= Date.now();
        clearTimeout(this.retry);
        log.warn("not following ended sessions (Redis lost): access tokens issued before now are refused until it is back");
      } else {
        // Told once the subscription is back: what ended since is either heard or in the kept set.
        void this.reload();
      }
    });
    this.stopListening = events.subscribe(TOPICS.sessionsEnded, (payload) => {
      const id = eventId(payload);
      if (id) this.end(id);
    });
    const following = this.stopListening.then(
      () => this.reload(),
      (err: unknown) => log.error({ err }, "could not follow ended sessions; access tokens issued before this gateway started are refused"),
    );
    // Without Redis at start, the gateway serves anyway: the gap is open until it follows.
    this.ready = Promise.race([following, new Promise<void>((resolve) => setTimeout(resolve, START_WAIT_MS).unref())]);
  }

  /** Told of each session that ends from now on (the gateway's sockets of it close); returns a way to stop. */
  onEnded(listener: (sessionId: string) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** `issuedAtSeconds`: the token's `iat`, read only when a gap makes it matter. */
  check(sessionId: string, issuedAtSeconds: () => number): SessionCheck {
    if (this.ended.has(sessionId)) return "ended";
    // Whole seconds (a token's `iat`): a token issued in the second the gap was noticed is trusted.
    if (this.gapSince !== null && issuedAtSeconds() < Math.floor(this.gapSince / 1000)) return "unverifiable";
    return null;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    this.stopWatching();
    await (await this.stopListening.catch(() => async () => {}))();
  }

  private end(sessionId: string): void {
    if (this.ended.has(sessionId)) return;
    this.ended.set(sessionId, true);
    for (const listener of this.listeners) listener(sessionId);
  }

  /** Reads the kept sessions; closes the gap if no interruption came meanwhile, else tries again later. */
  private async reload(delayMs = RELOAD_RETRY_MS.first): Promise<void> {
    if (this.closed) return;
    clearTimeout(this.retry);
    const before = this.interruptions;
    try {
      const ids = await this.events.recent(TOPICS.sessionsEnded);
      for (const id of ids) this.end(id);
      if (this.interruptions !== before) return; // a new gap: its own "resumed" reads again
      if (this.gapSince !== null) this.log.info("following ended sessions again");
      this.gapSince = null;
    } catch (err) {
      if (this.interruptions !== before || this.closed) return;
      this.log.warn({ err }, "could not read the ended sessions; access tokens issued before the gap stay refused");
      this.retry = setTimeout(() => void this.reload(Math.min(delayMs * 2, RELOAD_RETRY_MS.max)), delayMs);
      this.retry.unref();
    }
  }
}
