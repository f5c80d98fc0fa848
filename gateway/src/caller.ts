import type { IncomingHttpHeaders } from "node:http";
import { GraphQLError } from "graphql";
import { verifyAccessToken, type Caller } from "@localex/common";

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
  ended?: { has(sessionId: string): boolean },
): Promise<Caller | null> {
  if (authorization === undefined || authorization === null || authorization === "") return null;
  const match = typeof authorization === "string" ? /^Bearer ([A-Za-z0-9_\-.]+)$/.exec(authorization.trim()) : null;
  if (!match?.[1]) {
    throw new GraphQLError("The Authorization header must be `Bearer <access token>`.", {
      extensions: { code: "UNAUTHENTICATED", http: { status: 401 } },
    });
  }
  const caller = await verifyAccessToken(secret, match[1]);
  if (caller && ended?.has(caller.sessionId)) {
    throw new GraphQLError("This session has ended (signed out, or the account is being deleted); sign in again.", {
      extensions: { code: "UNAUTHENTICATED", http: { status: 401 } },
    });
  }
  return caller;
}

export function authorizationHeader(headers: IncomingHttpHeaders): string | undefined {
  return headers.authorization;
}
