import type { WebSocket } from "ws";
import type { Caller } from "@localex/common";

/** Close codes a client acts on (graphql-ws's own are 44xx). */
export const CLOSE_CODES = {
  /** The access token expired, or the session ended (logout): refresh or sign in, then reconnect. */
  unauthorized: 4401,
  /** This user already has MAX_CONNECTIONS_PER_USER open here: close one first. */
  tooManyConnections: 4031,
  /** The client's address holds as many anonymous connections as it may here: sign in, or close one. */
  tooManyAnonymous: 4429,
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
    const timer = setTimeout(
      () => close(socket, "The access token expired; refresh the session and reconnect."),
      Math.max(0, expiresAt.getTime() - Date.now()),
    );
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

/**
 * The anonymous connections of this gateway process, per client address (`addressKey`: an IPv6
 * /64 is one address): at most `cap` each. Counted from a connection_init without a member's
 * token until the socket closes; members are never counted, so they are never refused here.
 */
export class AnonymousConnections {
  private readonly byAddress = new Map<string, number>();
  private readonly tracked = new Map<WebSocket, string>();

  constructor(private readonly cap: number) {}

  /** Counts an anonymous connection; false (and the socket closed with 4429) when its address has no place left. */
  admit(socket: WebSocket, address: string): boolean {
    const open = this.byAddress.get(address) ?? 0;
    if (open >= this.cap) {
      socket.close(CLOSE_CODES.tooManyAnonymous, "Too many anonymous connections from this address; sign in or close one.");
      return false;
    }
    this.byAddress.set(address, open + 1);
    this.tracked.set(socket, address);
    return true;
  }

  release(socket: WebSocket): void {
    const address = this.tracked.get(socket);
    if (address === undefined) return;
    this.tracked.delete(socket);
    const left = (this.byAddress.get(address) ?? 1) - 1;
    if (left > 0) this.byAddress.set(address, left);
    else this.byAddress.delete(address);
  }
}
