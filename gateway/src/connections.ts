import type { WebSocket } from "ws";
import type { Caller } from "@localex/common";

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
  sessionId: string;
  timer: NodeJS.Timeout;
}

/**
 * The signed-in WebSocket connections of this gateway process: each lives no longer than its
 * access token (closed with 4401 when it expires) or its session (closed when identity says the
 * session ended, on one `sessions:ended` topic for the whole process), and a user may hold only
 * so many at once.
 */
export class LiveConnections {
  private readonly tracked = new Map<WebSocket, Tracked>();
  private readonly perUser = new Map<string, number>();
  private readonly bySession = new Map<string, Set<WebSocket>>();
  private readonly stopListening: () => void;

  /** `ended`: the gateway's one follower of identity's ended sessions (ended-sessions.ts). */
  constructor(ended: { onEnded(listener: (sessionId: string) => void): () => void }) {
    this.stopListening = ended.onEnded((sessionId) => {
      for (const socket of this.bySession.get(sessionId) ?? []) close(socket, "The session was signed out.");
    });
  }

  /** Registers a signed-in connection; false (and the socket closed with 4031) when the user has too many. */
  admit(socket: WebSocket, caller: Caller, expiresAt: Date): boolean {
    const open = this.perUser.get(caller.userId) ?? 0;
    if (open >= MAX_CONNECTIONS_PER_USER) {
      socket.close(CLOSE_CODES.tooManyConnections, `At most ${MAX_CONNECTIONS_PER_USER} connections per user; close one first.`);
      return false;
    }
    this.perUser.set(caller.userId, open + 1);
    const timer = setTimeout(() => close(socket, "The access token expired; refresh the session and reconnect."), Math.max(0, expiresAt.getTime() - Date.now()));
    timer.unref();
    this.tracked.set(socket, { userId: caller.userId, sessionId: caller.sessionId, timer });
    const sockets = this.bySession.get(caller.sessionId) ?? new Set<WebSocket>();
    sockets.add(socket);
    this.bySession.set(caller.sessionId, sockets);
    return true;
  }

  /** Forgets a closed connection: its timer, its session entry, its place in the user's count. */
  release(socket: WebSocket): void {
    const entry = this.tracked.get(socket);
    if (!entry) return;
    this.tracked.delete(socket);
    clearTimeout(entry.timer);
    const sockets = this.bySession.get(entry.sessionId);
    sockets?.delete(socket);
    if (sockets?.size === 0) this.bySession.delete(entry.sessionId);
    const left = (this.perUser.get(entry.userId) ?? 1) - 1;
    if (left > 0) this.perUser.set(entry.userId, left);
    else this.perUser.delete(entry.userId);
  }

  close(): void {
    this.stopListening();
  }
}

function close(socket: WebSocket, reason: string): void {
  if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) socket.close(CLOSE_CODES.unauthorized, reason);
}
