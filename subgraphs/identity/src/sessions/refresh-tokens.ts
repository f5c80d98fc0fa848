import { createHash, randomBytes } from "node:crypto";

/** An opaque, unguessable refresh token; only its digest is stored. */
export function newRefreshToken(): { token: string; digest: string } {
  const token = randomBytes(32).toString("base64url");
  return { token, digest: digestOf(token) };
}

export function digestOf(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
