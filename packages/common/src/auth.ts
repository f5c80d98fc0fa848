import { randomUUID } from "node:crypto";
import { SignJWT, jwtVerify, errors as joseErrors } from "jose";
import { GraphQLError } from "graphql";

export type Role = "user" | "admin";
/** A subgraph calling another subgraph's internal (`@inaccessible`) fields. */
export type CallerRole = Role | "service";

/** Who is calling, as the gateway vouches for it. */
export interface Caller {
  /** A user's id, or `service:<subgraph>` for an internal call. */
  userId: string;
  role: CallerRole;
  sessionId: string;
}

const ISSUER = "localex-identity";
const ACCESS_AUDIENCE = "localex-api";
const CALLER_ISSUER = "localex-gateway";
const CALLER_AUDIENCE = "localex-subgraphs";
/** The header the gateway sets on every subgraph request. */
export const CALLER_HEADER = "x-localex-caller";

const key = (secret: string) => new TextEncoder().encode(secret);

export async function issueAccessToken(
  secret: string,
  caller: Caller,
  ttlSeconds: number,
): Promise<{ token: string; expiresAt: Date }> {
  const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
  const token = await new SignJWT({ role: caller.role, sid: caller.sessionId })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(caller.userId)
    .setIssuer(ISSUER)
    .setAudience(ACCESS_AUDIENCE)
    .setIssuedAt()
    .setJti(randomUUID())
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(key(secret));
  return { token, expiresAt };
}

function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "UNAUTHENTICATED", http: { status: 401 } } });
}

function toCaller(payload: Record<string, unknown>, roles: readonly CallerRole[]): Caller {
  const { sub, role, sid } = payload;
  if (typeof sub !== "string" || !roles.includes(role as CallerRole) || typeof sid !== "string") {
    throw unauthenticated("The token's claims are incomplete.");
  }
  return { userId: sub, role: role as CallerRole, sessionId: sid };
}

/** Verifies a user's access token: HS256 only (so `alg: none` and key confusion fail), issuer, audience, expiry. */
export async function verifyAccessToken(secret: string, token: string): Promise<Caller> {
  try {
    const { payload } = await jwtVerify(token, key(secret), {
      algorithms: ["HS256"],
      issuer: ISSUER,
      audience: ACCESS_AUDIENCE,
      requiredClaims: ["sub", "exp", "iat"],
    });
    return toCaller(payload, ["user", "admin"]);
  } catch (e) {
    if (e instanceof GraphQLError) throw e;
    if (e instanceof joseErrors.JWTExpired) throw unauthenticated("The access token has expired; refresh the session.");
    throw unauthenticated("The access token is invalid.");
  }
}

/** The gateway's signed statement of who the caller is, valid for one minute. */
export async function signCallerToken(secret: string, caller: Caller): Promise<string> {
  return new SignJWT({ role: caller.role, sid: caller.sessionId })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(caller.userId)
    .setIssuer(CALLER_ISSUER)
    .setAudience(CALLER_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime("60s")
    .sign(key(secret));
}

/** A subgraph trusts only a caller header signed by the gateway; anything else is refused. */
export async function verifyCallerToken(secret: string, token: string): Promise<Caller> {
  try {
    const { payload } = await jwtVerify(token, key(secret), {
      algorithms: ["HS256"],
      issuer: CALLER_ISSUER,
      audience: CALLER_AUDIENCE,
    });
    return toCaller(payload, ["user", "admin", "service"]);
  } catch (e) {
    if (e instanceof GraphQLError) throw e;
    throw unauthenticated("The caller header is not signed by the gateway.");
  }
}

// Errors thrown inside resolvers carry no HTTP status: a subgraph answering non-2xx makes
// the gateway discard the error's code. Only request-level refusals (a bad token) use 401.
export function requireCaller(caller: Caller | null): Caller {
  if (!caller) throw new GraphQLError("Sign in to do this.", { extensions: { code: "UNAUTHENTICATED" } });
  return caller;
}

/** For internal fields: only another subgraph, holding the gateway secret, may call them. */
export function requireService(caller: Caller | null): Caller {
  if (caller?.role !== "service") {
    throw new GraphQLError("This field is internal to LocalEx.", { extensions: { code: "FORBIDDEN" } });
  }
  return caller;
}

export function requireAdmin(caller: Caller | null): Caller {
  const c = requireCaller(caller);
  if (c.role !== "admin") {
    throw new GraphQLError("Only administrators may do this.", { extensions: { code: "FORBIDDEN" } });
  }
  return c;
}
