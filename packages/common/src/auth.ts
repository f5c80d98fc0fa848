import { randomUUID } from "node:crypto";
import { SignJWT, decodeJwt, jwtVerify, errors as joseErrors, type JWTPayload } from "jose";
import { LRUCache } from "lru-cache";
import { GraphQLError } from "graphql";
import type { SubgraphName } from "./subgraph-names.ts";
import { SERVICE_NAMES, type CallerKeys, type ServiceName } from "./caller-keys.ts";
import { INTERNAL_FIELD_CALLERS, type InternalField } from "./internal-fields.ts";
import { addressKey } from "./address-key.ts";
import { apiError } from "./errors.ts";

export type Role = "user" | "admin";
/** A subgraph calling another subgraph's internal (`@inaccessible`) fields. */
export type CallerRole = Role | "service";

/** Who is calling, as the gateway vouches for it. */
export interface Caller {
  /** A user's id, or `service:<subgraph>` for an internal call. */
  userId: string;
  role: CallerRole;
  sessionId: string;
  /**
   * The member is suspended (issue 23): until when (an ISO instant), or null for until an admin
   * lifts it. Absent when not suspended. Stamped into the access token at sign-in and refresh, so
   * every subgraph can refuse what a suspended member may not do without asking identity
   * (`activeMemberRefusal`); a suspension that starts or is lifted ends every session, so no token
   * outlives the change.
   */
  suspension?: { until: string | null };
}

const ISSUER = "localex-identity";
const ACCESS_AUDIENCE = "localex-api";
/** The header the gateway sets on every subgraph request. */
export const CALLER_HEADER = "x-localex-caller";

const key = (secret: string) => new TextEncoder().encode(secret);

export async function issueAccessToken(secret: string, caller: Caller, ttlSeconds: number): Promise<{ token: string; expiresAt: Date }> {
  const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
  const token = await new SignJWT({ role: caller.role, sid: caller.sessionId, ...suspensionClaim(caller) })
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
  return apiError("UNAUTHENTICATED", message, { http: { status: 401 } });
}

/** The `susp` claim: `{ until }` in seconds since the epoch, or null for indefinitely; absent when not suspended. */
function suspensionClaim(caller: Caller | null): { susp?: { until: number | null } } {
  if (!caller?.suspension) return {};
  const { until } = caller.suspension;
  return { susp: { until: until === null ? null : Math.ceil(new Date(until).getTime() / 1000) } };
}

function suspensionOf(claim: unknown): Caller["suspension"] | undefined {
  if (typeof claim !== "object" || claim === null || !("until" in claim)) return undefined;
  const { until } = claim as { until: unknown };
  if (until === null) return { until: null };
  return typeof until === "number" && Number.isFinite(until) ? { until: new Date(until * 1000).toISOString() } : undefined;
}

function toCaller(payload: Record<string, unknown>, roles: readonly CallerRole[]): Caller {
  const { sub, role, sid } = payload;
  if (typeof sub !== "string" || !roles.includes(role as CallerRole) || typeof sid !== "string") {
    throw unauthenticated("The token's claims are incomplete.");
  }
  const suspension = role === "service" ? undefined : suspensionOf(payload.susp);
  return { userId: sub, role: role as CallerRole, sessionId: sid, ...(suspension ? { suspension } : {}) };
}

/**
 * Tokens already verified, until they expire: every request carries one, and HMAC plus JSON
 * parsing on each is measurable on the hot path. Keyed by secret and token, so a token is
 * trusted from the cache only under the key that verified it.
 */
const verified = new LRUCache<string, Caller>({ max: 20_000, ttlAutopurge: false });

async function cachedVerify(secret: string, token: string, verify: () => Promise<{ caller: Caller; payload: JWTPayload }>): Promise<Caller> {
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

/** When a token verified by verifyAccessToken was issued (its `iat`, in seconds; read without verifying again). */
export function accessTokenIssuedAt(token: string): number {
  return decodeJwt(token).iat ?? 0;
}

/** What a signed request says beyond the caller: who signed it, for whom, and from which client address. */
export interface RequestOrigin {
  /** The caller, or null for an anonymous client. */
  caller: Caller | null;
  /** The service that signed the request. */
  signer: ServiceName;
  /** The client's address as the gateway saw it (trusted-proxy aware); null for internal calls (only the gateway's tokens carry one). */
  clientAddress: string | null;
}

export interface CallerTokenOptions {
  signer: ServiceName;
  /** The subgraph the token is for; any other refuses it. */
  audience: SubgraphName;
  clientAddress?: string | null;
}

const ANONYMOUS = "anonymous";
const ISSUER_PREFIX = "localex:";
const issuerOf = (signer: ServiceName) => `${ISSUER_PREFIX}${signer}`;
const audienceOf = (subgraph: SubgraphName) => `localex:${subgraph}`;
/** Ed25519: each signer has its own private key; subgraphs hold only public keys. */
const CALLER_TOKEN_ALGORITHM = "EdDSA";

/** Caller tokens signed lately; one is reused for 30 of its 60 seconds. */
const signed = new LRUCache<string, string>({ max: 20_000, ttl: 30_000 });

/**
 * A signed statement of who is calling one subgraph, valid for one minute, signed with the
 * signer's own private key. Every request to a subgraph carries one (anonymous clients too); the
 * subgraph refuses anything else with 401. A service calling as itself passes `serviceCaller(signer)`.
 */
export async function signCallerToken(keys: CallerKeys, caller: Caller | null, options: CallerTokenOptions): Promise<string> {
  const address = options.clientAddress ?? "";
  const suspended = caller?.suspension ? `susp:${caller.suspension.until ?? ""}` : "";
  const cacheKey = [
    keys.id,
    options.signer,
    options.audience,
    address,
    caller?.userId ?? ANONYMOUS,
    caller?.role ?? "",
    caller?.sessionId ?? "",
    suspended,
  ].join("\u0000");
  const hit = signed.get(cacheKey);
  if (hit) return hit;
  const token = await new SignJWT({
    role: caller?.role ?? ANONYMOUS,
    sid: caller?.sessionId ?? ANONYMOUS,
    ...(address ? { addr: address } : {}),
    ...suspensionClaim(caller),
  })
    .setProtectedHeader({ alg: CALLER_TOKEN_ALGORITHM })
    .setSubject(caller?.userId ?? ANONYMOUS)
    .setIssuer(issuerOf(options.signer))
    .setAudience(audienceOf(options.audience))
    .setIssuedAt()
    .setExpirationTime("60s")
    .sign(keys.signingKey(options.signer));
  signed.set(cacheKey, token);
  return token;
}

/** Origins already verified, per key set and expected audience (one process may host every subgraph). */
const verifiedOrigins = new LRUCache<string, RequestOrigin>({ max: 20_000, ttlAutopurge: false });

/** The signer a token claims (its issuer), before anything is verified: it picks the key to verify with. */
function claimedSigner(token: string): ServiceName | null {
  let iss: unknown;
  try {
    ({ iss } = decodeJwt(token));
  } catch {
    return null;
  }
  const signer = typeof iss === "string" && iss.startsWith(ISSUER_PREFIX) ? iss.slice(ISSUER_PREFIX.length) : "";
  return SERVICE_NAMES.includes(signer as ServiceName) ? (signer as ServiceName) : null;
}

/**
 * A subgraph trusts a caller token only when the public key of the service it names as issuer
 * verifies it (so a service's key signs only as that service, never as the gateway), for
 * itself, unexpired; anything else is refused (401). Only the gateway speaks for members and
 * admins, and tells the client's address; any other signer may call only as itself.
 */
export async function verifyCallerToken(keys: CallerKeys, token: string, audience: SubgraphName): Promise<RequestOrigin> {
  const cacheKey = `${keys.id}\u0000${audience}\u0000${token}`;
  const hit = verifiedOrigins.get(cacheKey);
  if (hit) return hit;
  const signer = claimedSigner(token);
  const publicKey = signer ? keys.publicKey(signer) : undefined;
  if (!signer || !publicKey) throw unauthenticated("The request's signer is unknown.");
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, publicKey, {
      algorithms: [CALLER_TOKEN_ALGORITHM],
      issuer: issuerOf(signer),
      audience: audienceOf(audience),
      requiredClaims: ["sub", "exp", "iss"],
    }));
  } catch {
    throw unauthenticated(`The request is not signed for the ${audience} service.`);
  }
  let caller: Caller | null = null;
  if (payload.role !== ANONYMOUS) {
    // The gateway signs for its clients (and, as a service, for its own subscription sockets).
    caller = toCaller(payload, signer === "gateway" ? ["user", "admin", "service"] : ["service"]);
    if (caller.role === "service" && caller.userId !== `service:${signer}`) throw unauthenticated("A service may call only as itself.");
  }
  const clientAddress = signer === "gateway" && typeof payload.addr === "string" ? payload.addr : null;
  const origin: RequestOrigin = { caller, signer, clientAddress };
  const ttl = (payload.exp ?? 0) * 1000 - Date.now();
  if (ttl > 0) verifiedOrigins.set(cacheKey, origin, { ttl });
  return origin;
}

/** Whom a per-client rate limit counts: the account when signed in, else the client's address. */
export function clientKey(caller: Caller | null, clientAddress: string | null | undefined): string | null {
  if (caller) return `account:${caller.userId}`;
  return clientAddress ? addressKey(clientAddress) : null;
}

/** A service's own caller, for its internal calls. */
export const serviceCaller = (signer: ServiceName): Caller => ({ userId: `service:${signer}`, role: "service", sessionId: signer });

// Errors thrown inside resolvers carry no HTTP status: a subgraph answering non-2xx makes
// the gateway discard the error's code. Only request-level refusals (a bad token) use 401.
export function requireCaller(caller: Caller | null): Caller {
  if (!caller) throw apiError("UNAUTHENTICATED", "Sign in to do this.");
  return caller;
}

/**
 * For internal fields: only the services INTERNAL_FIELD_CALLERS names for the field may call it
 * (`requireService(caller, "Mutation.placeHold")` lets the trades subgraph place holds and no one
 * else). Operators' tools are always allowed.
 */
export function requireService(caller: Caller | null, field: InternalField): Caller {
  const service = caller?.role === "service" ? caller.userId.slice("service:".length) : null;
  const allowed: readonly string[] = INTERNAL_FIELD_CALLERS[field];
  if (caller === null || service === null || (service !== "operator" && !allowed.includes(service))) {
    throw apiError("FORBIDDEN", `${field} is internal to LocalEx.`);
  }
  return caller;
}

export function requireAdmin(caller: Caller | null): Caller {
  const c = requireCaller(caller);
  if (c.role !== "admin") {
    throw apiError("FORBIDDEN", "Only administrators may do this.");
  }
  return c;
}
