import { and, eq, isNull, sql } from "drizzle-orm";
import { TOPICS, type Database, type EventBus } from "@localex/common";
import { refreshTokens, type schema } from "../db/schema.ts";

type IdentityTransaction = Parameters<Parameters<Database<typeof schema>["transaction"]>[0]>[0];

/**
 * Ends every session of a member, inside the caller's transaction: revokes each refresh token and
 * returns every session (token family) they ever had, to announce once the transaction commits.
 * Used when an account is deleted and when a member's role changes (a token must never carry a
 * role its member no longer has).
 */
export async function endAllSessions(tx: IdentityTransaction, userId: string): Promise<string[]> {
  await tx.update(refreshTokens).set({ revokedAt: sql`now()` }).where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
  const families = await tx.selectDistinct({ id: refreshTokens.familyId }).from(refreshTokens).where(eq(refreshTokens.userId, userId));
  return families.map((f) => f.id);
}

/**
 * Tells every gateway that these sessions ended (logout, a reused refresh token, an account
 * being deleted, a role changed): their sockets close and their access tokens are refused from
 * now on. Kept for an access token's lifetime, so a gateway that starts later refuses them too.
 */
export function announceSessionsEnded(events: EventBus, sessionIds: Iterable<string>, accessTokenTtlSeconds: number): void {
  for (const id of sessionIds) events.publishRetained(TOPICS.sessionsEnded, id, accessTokenTtlSeconds);
}
