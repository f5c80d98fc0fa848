import { createHash } from "node:crypto";
import { readLinkToken, signLinkToken, type LinkPurpose } from "../users/link-tokens.ts";

const PASSWORD_RESET: LinkPurpose = { audience: "localex-password-reset", keyLabel: "localex password reset v1" };

/**
 * What a reset token carries of the password it replaces: a digest of the stored hash. The first
 * reset (or any change of password) makes every earlier link unusable, with nothing stored.
 */
export function passwordFingerprint(passwordHash: string): string {
  return createHash("sha256").update(passwordHash, "utf8").digest("base64url").slice(0, 22);
}

export function signResetToken(
  secret: string,
  subject: { userId: string; passwordHash: string },
  ttlSeconds: number,
  now: number = Date.now(),
): Promise<{ token: string; expiresAt: Date }> {
  return signLinkToken(secret, PASSWORD_RESET, subject.userId, { pwf: passwordFingerprint(subject.passwordHash) }, ttlSeconds, now);
}

export type ResetTokenReading = { state: "valid"; userId: string; fingerprint: string } | { state: "expired" } | { state: "invalid" };

/** The token's member and password fingerprint, if our key signed it for resets and it has not expired. */
export async function readResetToken(secret: string, token: string): Promise<ResetTokenReading> {
  const reading = await readLinkToken(secret, PASSWORD_RESET, token);
  if (reading.state !== "valid") return reading.state === "expired" ? { state: "expired" } : { state: "invalid" };
  const { sub, pwf } = reading.payload;
  return typeof sub === "string" && typeof pwf === "string" ? { state: "valid", userId: sub, fingerprint: pwf } : { state: "invalid" };
}
