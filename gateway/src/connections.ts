import type { WebSocket } from "ws";
import { TOPICS, type Caller, type EventBus, type Logger } from "@localex/common";

/** Close codes a client acts on (graphql-ws's own are 44xx). */
export const CLOSE_CODES = {
  /** The access token expired, or the session ended (logout): refresh or sign in, then reconnect. */
  unauthorized: 4401,
  /** This user already has MAX_CONNECTIONS_PER_USER open here: close one first. */
  tooManyConnections: 4031,
} as const;

export const MAX_CONNECTIONS_PER_USER = 10;
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 25;

interface Tracked {
  userId: string;
  timer: NodeJS.Timeout;
  unsubscribe: Promise<() => Promise<void>>;
}

/**
 * The signed-in WebSocket connections of this gateway process: each lives no longer than its
 * access token (closed with 4401 when it expires) or its session (closed when the session ends,
 * from identity's `session:<id>:ended` event), and a user may hold only so many at once.
 */
export class LiveConnections {
  private readonly tracked = new Map<WebSocket, Tracked>();
  private readonly perUser = new Map<string, number>();

  constructor(
    private readonly events: EventBus,
    private readonly log: Logger,
  ) {}

  /** Registers a signed-in connection; false (and the socket closed with 4031) when the user has too many. */
  admit(socket: WebSocket, caller: Caller, expiresAt: Date): boolean {
    const open = this.perUser.get(caller.userId) ?? 0;
    if (open >= MAX_CONNECTIONS_PER_USER) {
      socket.close(CLOSE_CODES.tooManyConnections, `At most ${MAX_CONNECTIONS_PER_USER} connections per user; close one first.`);
      return false;
    }
    this.perUser.set(caller.userId, open + 1);
    const close = (reason: string) => {
      if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) socket.close(CLOSE_CODES.unauthorized, reason);
    };
    // setTimeout holds at most ~24.8 days; access tokens live minutes.
    const timer = setTimeout(() => close("The access token expired; refresh the session and reconnect."), Math.max(0, expiresAt.getTime() - Date.now()));
    timer.unref();
    const unsubscribe = this.events.subscribe(TOPICS.sessionEnded(caller.sessionId), () => close("The session was signed out."));
    unsubscribe.catch((err: unknown) => this.log.warn({ err }, "could not follow a session's end; its sockets close at token expiry"));
    this.tracked.set(socket, { userId: caller.userId, timer, unsubscribe });
    return true;
  }

  /** Forgets a closed connection: its timer, its session listener, its place in the user's count. */
  release(socket: WebSocket): void {
    const entry = this.tracked.get(socket);
    if (!entry) return;
    this.tracked.delete(socket);
    clearTimeout(entry.timer);
    entry.unsubscribe.then((unsubscribe) => unsubscribe()).catch(() => {});
    const left = (this.perUser.get(entry.userId) ?? 1) - 1;
    if (left > 0) this.perUser.set(entry.userId, left);
    else this.perUser.delete(entry.userId);
  }

  get size(): number {
    return this.tracked.size;
  }
}
