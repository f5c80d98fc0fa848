import { randomUUID } from "node:crypto";
import { SignJWT, decodeJwt, jwtVerify, errors as joseErrors, type JWTPayload } from "jose";
import { LRUCache } from "lru-cache";
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

/**
 * Tokens already verified, until they expire: every request carries one, and HMAC plus JSON
 * parsing on each is measurable on the hot path. Keyed by secret and token, so a token is
 * trusted from the cache only under the key that verified it.
 */
const verified = new LRUCache<string, Caller>({ max: 20_000, ttlAutopurge: false });

async function cachedVerify(
  secret: string,
  token: string,
  verify: () => Promise<{ caller: Caller; payload: JWTPayload }>,
): Promise<Caller> {
  const cacheKey = `${secret}\u0000${token}`;
  const hit = verified.get(cacheKey);
  if (hit) return hit;
  const { caller, payload } = await verify();
  const ttl = (payload.exp ?? 0) * 1000 - Date.now();
  if (ttl > 0) verified.set(cacheKey, caller, { ttl });
  return caller;
}

/** Verifies a user's access token: HS256 only (so `alg: none` and key confusion fail), issuer, audience, expiry. */
export async function verifyAccessToken(secret: string, token: string): Promise<Caller> {
  return cachedVerify(secret, token, () => verifyAccessTokenUncached(secret, token));
}

async function verifyAccessTokenUncached(secret: string, token: string): Promise<{ caller: Caller; payload: JWTPayload }> {
  try {
    const { payload } = await jwtVerify(token, key(secret), {
      algorithms: ["HS256"],
      issuer: ISSUER,
      audience: ACCESS_AUDIENCE,
      requiredClaims: ["sub", "exp", "iat"],
    });
    return { caller: toCaller(payload, ["user", "admin"]), payload };
  } catch (e) {
    if (e instanceof GraphQLError) throw e;
    if (e instanceof joseErrors.JWTExpired) throw unauthenticated("The access token has expired; refresh the session.");
    throw unauthenticated("The access token is invalid.");
  }
}

/** When a token verified by verifyAccessToken expires (its `exp`; read without verifying again). */
export function accessTokenExpiry(token: string): Date {
  const { exp } = decodeJwt(token);
  return new Date((exp ?? 0) * 1000);
}

/** Caller tokens the gateway signed lately; one is reused for 30 of its 60 seconds. */
const signed = new LRUCache<string, string>({ max: 20_000, ttl: 30_000 });

/** The gateway's signed statement of who the caller is, valid for one minute. */
export async function signCallerToken(secret: string, caller: Caller): Promise<string> {
  const cacheKey = `${secret}\u0000${caller.userId}\u0000${caller.role}\u0000${caller.sessionId}`;
  const hit = signed.get(cacheKey);
  if (hit) return hit;
  const token = await signCallerTokenUncached(secret, caller);
  signed.set(cacheKey, token);
  return token;
}

async function signCallerTokenUncached(secret: string, caller: Caller): Promise<string> {
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
  return cachedVerify(secret, token, () => verifyCallerTokenUncached(secret, token));
}

async function verifyCallerTokenUncached(secret: string, token: string): Promise<{ caller: Caller; payload: JWTPayload }> {
  try {
    const { payload } = await jwtVerify(token, key(secret), {
      algorithms: ["HS256"],
      issuer: CALLER_ISSUER,
      audience: CALLER_AUDIENCE,
    });
    return { caller: toCaller(payload, ["user", "admin", "service"]), payload };
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
