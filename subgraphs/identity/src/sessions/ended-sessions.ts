import { TOPICS, type EventBus } from "@localex/common";

/**
 * Tells every gateway that these sessions ended (logout, a reused refresh token, an account
 * being deleted): their sockets close and their access tokens are refused from now on. Kept for
 * an access token's lifetime, so a gateway that starts later refuses them too.
 */
export function announceSessionsEnded(events: EventBus, sessionIds: Iterable<string>, accessTokenTtlSeconds: number): void {
  for (const id of sessionIds) events.publishRetained(TOPICS.sessionsEnded, id, accessTokenTtlSeconds);
}
