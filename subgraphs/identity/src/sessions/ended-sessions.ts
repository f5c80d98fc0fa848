import { and, eq, isNull, sql } from "drizzle-orm";
import { setTimeout as delay } from "node:timers/promises";
import { TOPICS, type EventBus } from "@localex/common";
import { refreshTokens, type IdentityTx } from "../db/schema.ts";

/**
 * Ends every session of a member, inside the caller's transaction: revokes each refresh token and
 * returns every session (token family) they ever had, to announce once the transaction commits.
 * Used when an account is deleted and when a member's role changes (a token must never carry a
 * role its member no longer has).
 */
export async function endAllSessions(tx: IdentityTx, userId: string): Promise<string[]> {
  await tx
    .update(refreshTokens)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
  const families = await tx.selectDistinct({ id: refreshTokens.familyId }).from(refreshTokens).where(eq(refreshTokens.userId, userId));
  return families.map((f) => f.id);
}

/** How long an answer ("signed out") waits for the announcement while Redis is slow or away. */
const ANNOUNCE_WAIT_MS = 2_000;

/**
 * Tells every gateway that these sessions ended (logout, a reused refresh token, an account
 * being deleted, a role changed): their sockets close and their access tokens are refused from
 * now on. Kept for an access token's lifetime, so a gateway that starts later refuses them too.
 * Awaited before the change is answered, so the member's very next request with the old token is
 * refused; a slow or missing Redis delays the answer by ANNOUNCE_WAIT_MS at most (the bus keeps
 * trying in the background).
 */
export async function announceSessionsEnded(events: EventBus, sessionIds: Iterable<string>, accessTokenTtlSeconds: number): Promise<void> {
  const announced = Promise.all([...sessionIds].map((id) => events.publishRetained(TOPICS.sessionsEnded, id, accessTokenTtlSeconds)));
  await Promise.race([announced, delay(ANNOUNCE_WAIT_MS, undefined, { ref: false })]);
}
