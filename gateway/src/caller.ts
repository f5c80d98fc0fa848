import type { IncomingHttpHeaders } from "node:http";
import { apiError, accessTokenIssuedAt, verifyAccessToken, type Caller } from "@localex/common";
import type { SessionCheck } from "./ended-sessions.ts";

export interface GatewayContext {
  caller: Caller | null;
  /** The client's address (the proxy's forwarded one only when TRUST_PROXY trusts it); subgraphs rate-limit by it. */
  clientAddress: string | null;
}

/**
 * Reads `Authorization: Bearer <access token>` (or the same string from WebSocket
 * connection params). No header means anonymous; a header that fails verification is
 * refused outright rather than silently treated as anonymous.
 */
export async function callerFromAuthorization(
  secret: string,
  authorization: unknown,
  ended?: { check(sessionId: string, issuedAtSeconds: () => number): SessionCheck },
): Promise<Caller | null> {
  if (authorization === undefined || authorization === null || authorization === "") return null;
  const match = typeof authorization === "string" ? /^Bearer ([A-Za-z0-9_\-.]+)$/.exec(authorization.trim()) : null;
  if (!match?.[1]) {
    throw apiError("UNAUTHENTICATED", "The Authorization header must be `Bearer <access token>`.", { http: { status: 401 } });
  }
  const caller = await verifyAccessToken(secret, match[1]);
  const verdict = caller ? ended?.check(caller.sessionId, () => accessTokenIssuedAt(match[1]!)) : null;
  if (verdict === "ended") {
    throw apiError("UNAUTHENTICATED", "This session has ended (signed out, or the account is being deleted); sign in again.", { http: { status: 401 } });
  }
  if (verdict === "unverifiable") {
    throw apiError("UNAUTHENTICATED", "This access token cannot be checked right now; refresh the session.", { http: { status: 401 } });
  }
  return caller;
}

export function authorizationHeader(headers: IncomingHttpHeaders): string | undefined {
  return headers.authorization;
}
