import { createHmac, randomUUID } from "node:crypto";
import { jwtVerify, SignJWT } from "jose";

/**
 * Devices known for an account: `register` and `login` hand the device a signed, long-lived
 * token naming the account and the device, which it sends with later logins. A known device
 * still needs the password; it only signs in while strangers guessing the account from many
 * addresses wait (LOGIN_FAILURES_PER_ACCOUNT), and its own attempts count per device.
 * Stateless: nothing is stored, a device is known for as long as its token lives.
 */

const ISSUER = "localex-identity";
const AUDIENCE = "localex-known-device";
/** Each sign-in from the device hands it a fresh token, so only a device unused this long is forgotten. */
const DEVICE_TOKEN_TTL_SECONDS = 180 * 86_400;
/** Longer than any token we sign (~300 characters): refused before any HMAC work. */
const DEVICE_TOKEN_MAX = 1024;

export interface KnownDevice {
  userId: string;
  deviceId: string;
}

/** A key of its own, derived from JWT_SECRET: a device token is never an access token, nor the reverse. */
function keyOf(secret: string): Uint8Array {
  return createHmac("sha256", secret).update("localex known device v1").digest();
}

/** A token for `deviceId` (a new device when omitted) of the account. */
export function signDeviceToken(secret: string, userId: string, deviceId: string = randomUUID()): Promise<string> {
  return new SignJWT({ did: deviceId })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(userId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${DEVICE_TOKEN_TTL_SECONDS}s`)
    .sign(keyOf(secret));
}

/** The device a token names if our key signed it and it has not expired; null for anything else (the device is unknown). */
export async function readDeviceToken(secret: string, token: string | null | undefined): Promise<KnownDevice | null> {
  if (!token || token.length > DEVICE_TOKEN_MAX) return null;
  try {
    const { payload } = await jwtVerify(token, keyOf(secret), { algorithms: ["HS256"], issuer: ISSUER, audience: AUDIENCE, requiredClaims: ["sub", "exp"] });
    return typeof payload.sub === "string" && typeof payload.did === "string" ? { userId: payload.sub, deviceId: payload.did } : null;
  } catch {
    return null;
  }
}
