import { createHmac } from "node:crypto";
import { errors as joseErrors, jwtVerify, SignJWT, type JWTPayload } from "jose";

/**
 * The signed tokens identity mails in links (email verification, password reset): HS256 JWTs
 * under a key of their own per purpose, derived from JWT_SECRET, so no link token is ever an
 * access token, nor one purpose's token another's.
 */
export interface LinkPurpose {
  /** The `aud` claim, e.g. `localex-password-reset`. */
  audience: string;
  /** What the key is derived with, e.g. `localex password reset v1` (a new version retires every link). */
  keyLabel: string;
}

const ISSUER = "localex-identity";
/** Longer than any token we sign (~300 characters): refused before any HMAC work. */
export const LINK_TOKEN_MAX = 2048;

function keyOf(secret: string, purpose: LinkPurpose): Uint8Array {
  return createHmac("sha256", secret).update(purpose.keyLabel).digest();
}

export async function signLinkToken(
  secret: string,
  purpose: LinkPurpose,
  subject: string,
  claims: Record<string, string>,
  ttlSeconds: number,
  now: number = Date.now(),
): Promise<{ token: string; expiresAt: Date }> {
  const issuedAt = Math.floor(now / 1000);
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(subject)
    .setIssuer(ISSUER)
    .setAudience(purpose.audience)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ttlSeconds)
    .sign(keyOf(secret, purpose));
  return { token, expiresAt: new Date((issuedAt + ttlSeconds) * 1000) };
}

export type LinkTokenReading = { state: "valid" | "expired"; payload: JWTPayload } | { state: "invalid" };

/** The token's claims if our key signed it for this purpose; an expired one's too (a caller may tell "used" from "expired"). */
export async function readLinkToken(secret: string, purpose: LinkPurpose, token: string): Promise<LinkTokenReading> {
  if (token.length === 0 || token.length > LINK_TOKEN_MAX) return { state: "invalid" };
  try {
    const { payload } = await jwtVerify(token, keyOf(secret, purpose), {
      algorithms: ["HS256"],
      issuer: ISSUER,
      audience: purpose.audience,
      requiredClaims: ["sub", "exp"],
    });
    return { state: "valid", payload };
  } catch (error) {
    // jose checks the signature before the claims: an expired token here is one we signed.
    return error instanceof joseErrors.JWTExpired ? { state: "expired", payload: error.payload } : { state: "invalid" };
  }
}
