import { createHash } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import {
  accepted,
  enqueueJob,
  jobTask,
  refusal,
  TASKS,
  type Database,
  type Logger,
  type Outcome,
  type RateLimiter,
  type Refusal,
  type SqlExecutor,
  type Task,
} from "@localex/common";
import { users, welcomeGrants, type IdentityTx, type UserRow, type schema } from "../db/schema.ts";
import { DeliveryFailed, renderVerificationEmail, type EmailChannel } from "../notifications/channels/index.ts";
import { canonicalEmail } from "./canonical-email.ts";
import { LINK_TOKEN_MAX, readLinkToken, signLinkToken, type LinkPurpose } from "./link-tokens.ts";

/**
 * Email verification. Registration mails a link carrying a signed, expiring token
 * (`<PUBLIC_APP_URL>/verify-email?token=…`); `verifyEmail(token)` marks the address verified
 * and, in the same transaction, enqueues the ledger's welcome grant, so the credits follow a
 * verified address and nothing else, once per mailbox (welcomeGrants). A token works once: the first use flips `emailVerified`, and any
 * later use (the same link, or an older one) finds the address verified and is refused as used.
 */

const EMAIL_VERIFICATION: LinkPurpose = { audience: "localex-email-verification", keyLabel: "localex email verification v1" };
/** Longer than any token we sign: refused before any HMAC work. */
export const VERIFICATION_TOKEN_MAX = LINK_TOKEN_MAX;

export function signVerificationToken(
  secret: string,
  subject: { userId: string; email: string },
  ttlSeconds: number,
  now: number = Date.now(),
): Promise<{ token: string; expiresAt: Date }> {
  return signLinkToken(secret, EMAIL_VERIFICATION, subject.userId, { email: subject.email }, ttlSeconds, now);
}

type TokenReading = { state: "valid" | "expired"; userId: string; email: string } | { state: "invalid" };

/** The token's subject if our key signed it for this purpose; an expired one still names its subject (to tell "used" from "expired"). */
async function readVerificationToken(secret: string, token: string): Promise<TokenReading> {
  const reading = await readLinkToken(secret, EMAIL_VERIFICATION, token);
  if (reading.state === "invalid") return reading;
  const { sub, email } = reading.payload;
  return typeof sub === "string" && typeof email === "string" ? { state: reading.state, userId: sub, email } : { state: "invalid" };
}

export type VerificationErrorCode = "VERIFICATION_TOKEN_INVALID" | "VERIFICATION_TOKEN_EXPIRED" | "VERIFICATION_TOKEN_USED";

const MESSAGES: Record<VerificationErrorCode, string> = {
  VERIFICATION_TOKEN_INVALID: "This verification link is not valid. Use the latest link we emailed you, or ask for a new one.",
  VERIFICATION_TOKEN_EXPIRED: "This verification link has expired. Ask for a new one from your account page.",
  VERIFICATION_TOKEN_USED: "This verification link was already used: your email address is verified.",
};

/** How welcomeGrants names a mailbox: the SHA-256 of its canonical address, never the address. */
export const mailboxDigest = (email: string): string => createHash("sha256").update(canonicalEmail(email), "utf8").digest("hex");

const tokenRefusal = (code: VerificationErrorCode): Refusal => refusal(code, MESSAGES[code], "token");

/**
 * Claims the mailbox of a member's newly verified address (welcomeGrants, in the caller's
 * transaction) and, when `grant` and the claim is new, enqueues the welcome grant. Verifying
 * an address grants (`grant`); confirming a changed address claims its mailbox too, and grants
 * only a member not verified before (email-change/), so moving to an address cannot grant twice.
 */
export async function claimMailbox(tx: IdentityTx, member: Pick<UserRow, "id" | "email">, grant: boolean): Promise<void> {
  const claimed = await tx
    .insert(welcomeGrants)
    .values({ mailboxSha256: mailboxDigest(member.email) })
    .onConflictDoNothing()
    .returning({ mailbox: welcomeGrants.mailboxSha256 });
  if (grant && claimed.length > 0) await enqueueJob(tx, TASKS.welcomeGrant, { userId: member.id }, { jobKey: `welcome-grant:${member.id}` });
}

/**
 * Enqueues the verification email (in the caller's transaction); a pending one for the member is
 * replaced, so repeats send one. It runs ahead of the queue (TASKS.sendVerificationEmail's policy).
 */
export async function enqueueVerificationEmail(executor: SqlExecutor, userId: string): Promise<void> {
  await enqueueJob(executor, TASKS.sendVerificationEmail, { userId }, { jobKey: `verification-email:${userId}`, jobKeyMode: "replace" });
}

export interface VerificationOptions {
  JWT_SECRET: string;
  EMAIL_VERIFICATION_TTL_SECONDS: number;
  /** The web app's base URL (PUBLIC_APP_URL); the link is `<appUrl>/verify-email?token=…`. */
  appUrl: string;
}

export class EmailVerificationService {
  constructor(
    private readonly db: Database<typeof schema>,
    private readonly options: VerificationOptions,
    /** Verification emails a member may ask for again (VERIFICATION_EMAIL_PER_ACCOUNT): a brake on mail bombing. */
    private readonly limits: RateLimiter,
  ) {}

  /** The link mailed to the member: signed now, valid for EMAIL_VERIFICATION_TTL_SECONDS. */
  async link(user: Pick<UserRow, "id" | "email">): Promise<{ url: string; expiresAt: Date }> {
    const { token, expiresAt } = await signVerificationToken(
      this.options.JWT_SECRET,
      { userId: user.id, email: user.email },
      this.options.EMAIL_VERIFICATION_TTL_SECONDS,
    );
    const url = new URL(`${this.options.appUrl}/verify-email`);
    url.searchParams.set("token", token);
    return { url: url.toString(), expiresAt };
  }

  /**
   * Verifies the address the token names, once. The flip from unverified to verified is one
   * conditional UPDATE, so of two racing uses exactly one wins; the welcome grant is enqueued
   * in its transaction (and is idempotent per member in the ledger besides), if this address's
   * mailbox has never had one: its claim in welcomeGrants is unique, so of two accounts on one
   * mailbox verified at once, one is granted.
   */
  async verify(token: string): Promise<Outcome<UserRow>> {
    // Longer than any link we send: refused before any HMAC work.
    if (token.length > VERIFICATION_TOKEN_MAX) return refusal("VERIFICATION_TOKEN_INVALID", "This verification link is not valid.", "token");
    const reading = await readVerificationToken(this.options.JWT_SECRET, token);
    if (reading.state === "invalid") return tokenRefusal("VERIFICATION_TOKEN_INVALID");
    const { userId, email } = reading;
    const [current] = await this.db.select().from(users).where(eq(users.id, userId));
    // The account is gone, or its address is no longer the one the link was mailed to.
    if (!current || current.email !== email) return tokenRefusal("VERIFICATION_TOKEN_INVALID");
    if (current.emailVerified) return tokenRefusal("VERIFICATION_TOKEN_USED");
    if (reading.state === "expired") return tokenRefusal("VERIFICATION_TOKEN_EXPIRED");
    const verified = await this.db.transaction(async (tx) => {
      const [row] = await tx
        .update(users)
        .set({ emailVerified: true, updatedAt: sql`now()` })
        .where(and(eq(users.id, userId), eq(users.email, email), eq(users.emailVerified, false)))
        .returning();
      if (!row) return null;
      await claimMailbox(tx, row, true);
      return row;
    });
    // Lost a race with another use of a link: that one verified the address.
    return verified ? accepted(verified) : tokenRefusal("VERIFICATION_TOKEN_USED");
  }

  /** Mails a fresh link to a signed-in member whose address is not verified yet. */
  async resend(userId: string): Promise<Outcome<void>> {
    const [user] = await this.db.select().from(users).where(eq(users.id, userId));
    if (!user) return refusal("NOT_FOUND", "Your account no longer exists.");
    if (user.emailVerified) return refusal("ALREADY_VERIFIED", "Your email address is already verified.");
    await this.limits.consume("VERIFICATION_EMAIL_PER_ACCOUNT", `account:${userId}`);
    await enqueueVerificationEmail(this.db, userId);
    return accepted();
  }
}

/**
 * The job that mails the link. It signs the token when it runs, so a retried send carries a link
 * valid for the full period. A member verified meanwhile gets nothing; a refused mailbox is logged
 * and not retried; an outage is thrown, and the queue retries with backoff.
 */
export function sendVerificationEmailTask(deps: {
  db: Database<typeof schema>;
  verification: EmailVerificationService;
  email: EmailChannel;
  log: Logger;
}): Task {
  return jobTask(TASKS.sendVerificationEmail, deps.log, async ({ userId }) => {
    const [user] = await deps.db.select().from(users).where(eq(users.id, userId));
    if (!user || user.emailVerified || user.deletionRequestedAt) return;
    const { url, expiresAt } = await deps.verification.link(user);
    try {
      await deps.email.sendMessage({ userId, email: user.email, displayName: user.displayName }, renderVerificationEmail(user, url, expiresAt));
    } catch (e) {
      if (e instanceof DeliveryFailed && !e.retryable) {
        deps.log.error({ err: e, userId }, "a verification email was refused; not retried");
        return;
      }
      throw e;
    }
  });
}
