import { readLinkToken, signLinkToken, type LinkPurpose } from "../users/link-tokens.ts";

/**
 * The two links of an email change (link-tokens.ts: HS256 under a key per purpose): `confirm`,
 * mailed to the new address, and `undo`, mailed to the old one. Each names the member and the
 * change (`chg`, a row of email_changes); the row says whether the link was used, and expires at
 * the row's deadline at the latest.
 */
const PURPOSES = {
  confirm: { audience: "localex-email-change-confirm", keyLabel: "localex email change confirm v1" },
  undo: { audience: "localex-email-change-undo", keyLabel: "localex email change undo v1" },
} as const satisfies Record<string, LinkPurpose>;

export type ChangeLink = keyof typeof PURPOSES;

/** Signs a link that expires at `expiresAt` (the row's deadline), or null when that has passed. */
export async function signChangeToken(
  secret: string,
  link: ChangeLink,
  subject: { userId: string; changeId: string },
  expiresAt: Date,
  now: number = Date.now(),
): Promise<{ token: string; expiresAt: Date } | null> {
  const ttlSeconds = Math.floor(expiresAt.getTime() / 1000) - Math.floor(now / 1000);
  if (ttlSeconds <= 0) return null;
  return signLinkToken(secret, PURPOSES[link], subject.userId, { chg: subject.changeId }, ttlSeconds, now);
}

export type ChangeTokenReading = { state: "valid" | "expired"; userId: string; changeId: string } | { state: "invalid" };

/** The token's member and change if our key signed it for this link; an expired one's too (to tell "used" from "expired"). */
export async function readChangeToken(secret: string, link: ChangeLink, token: string): Promise<ChangeTokenReading> {
  const reading = await readLinkToken(secret, PURPOSES[link], token);
  if (reading.state === "invalid") return reading;
  const { sub, chg } = reading.payload;
  return typeof sub === "string" && typeof chg === "string" ? { state: reading.state, userId: sub, changeId: chg } : { state: "invalid" };
}
