import { and, eq, gte, isNull, sql } from "drizzle-orm";
import {
  accepted,
  andThen,
  enqueueJob,
  isUuid,
  refusal,
  TASKS,
  type Database,
  type EventBus,
  type Outcome,
  type RateLimiter,
  type Refusal,
} from "@localex/common";
import { emailChanges, users, type EmailChangeRow, type IdentityTx, type UserRow, type schema } from "../db/schema.ts";
import { announceSessionsEnded, endAllSessions } from "../sessions/ended-sessions.ts";
import { addressTaken, lockAddress } from "../users/email-claims.ts";
import { claimMailbox } from "../users/email-verification.ts";
import { verifyPassword } from "../users/passwords.ts";
import { checkEmail, checkLoginPassword, normaliseEmail } from "../users/validation.ts";
import { readChangeToken } from "./change-tokens.ts";

const TOKEN_MESSAGES = {
  EMAIL_CHANGE_TOKEN_INVALID: "This link is not valid. Use the latest link we emailed you, or ask for the change again.",
  EMAIL_CHANGE_TOKEN_EXPIRED: "This link has expired. Ask for the change again.",
  EMAIL_CHANGE_TOKEN_USED: "This link was already used, or the change was undone or replaced by a newer one.",
} as const;
const tokenRefusal = (code: keyof typeof TOKEN_MESSAGES): Refusal => refusal(code, TOKEN_MESSAGES[code], "token");
const wrongPassword = (): Refusal => refusal("WRONG_PASSWORD", "The password is wrong.", "password");
const TAKEN = "An account with this email already exists.";

export interface EmailChangeOptions {
  JWT_SECRET: string;
  ACCESS_TOKEN_TTL_SECONDS: number;
  EMAIL_CHANGE_TTL_SECONDS: number;
  EMAIL_CHANGE_UNDO_TTL_SECONDS: number;
}

/**
 * changeEmail (issue 22). Asking mails a confirmation link to the new address and a notice with
 * an undo link to the old one; the address changes only when the new one confirms. Undo (valid
 * longer) puts the old address back, cancels a change still pending and ends every session: the
 * way back for a member whose account was taken over. Each change is a row of email_changes whose
 * state changes under the member's row lock, so each link works once and of two confirmations at
 * once one wins; a confirmed change keeps its old address reserved until its undo expires.
 */
export class EmailChangeService {
  constructor(
    private readonly db: Database<typeof schema>,
    private readonly limits: RateLimiter,
    private readonly events: EventBus,
    private readonly options: EmailChangeOptions,
  ) {}

  /**
   * Counted before the password is checked (EMAIL_CHANGE_PER_ACCOUNT), and whether the address is
   * taken is said only after the password is right: a stolen access token alone learns nothing,
   * and the password's holder learns what registering with the address would tell anyone.
   */
  /** Answers the address waiting for confirmation (as it will be stored). */
  async request(userId: string, newEmail: string, password: string): Promise<Outcome<string>> {
    await this.limits.consume("EMAIL_CHANGE_PER_ACCOUNT", userId);
    if (checkLoginPassword(password)) return wrongPassword();
    const email = normaliseEmail(newEmail);
    const invalid = checkEmail(email);
    if (invalid) return refusal("INVALID_INPUT", invalid, "newEmail");
    const [current] = await this.db.select().from(users).where(eq(users.id, userId));
    if (!current || current.deletionRequestedAt || !(await verifyPassword(current.passwordHash, password))) return wrongPassword();
    return this.db.transaction(async (tx): Promise<Outcome<string>> => {
      const user = await lockMember(tx, userId);
      if (!user || user.deletionRequestedAt) return wrongPassword();
      if (user.email === email) return refusal("EMAIL_UNCHANGED", "That is already your email address.", "newEmail");
      await lockAddress(tx, email);
      if (await addressTaken(tx, email, userId)) return refusal("EMAIL_TAKEN", TAKEN, "newEmail");
      // One change pending at a time: an earlier one's confirmation link stops working.
      await tx
        .update(emailChanges)
        .set({ supersededAt: sql`now()` })
        .where(and(eq(emailChanges.userId, userId), isNull(emailChanges.confirmedAt), isNull(emailChanges.undoneAt), isNull(emailChanges.supersededAt)));
      const [change] = await tx
        .insert(emailChanges)
        .values({
          userId,
          oldEmail: user.email,
          oldEmailVerified: user.emailVerified,
          newEmail: email,
          confirmExpiresAt: sql`now() + make_interval(secs => ${this.options.EMAIL_CHANGE_TTL_SECONDS})`,
          undoExpiresAt: sql`now() + make_interval(secs => ${this.options.EMAIL_CHANGE_UNDO_TTL_SECONDS})`,
        })
        .returning({ id: emailChanges.id });
      for (const kind of ["confirm-link", "undo-notice"] as const) {
        await enqueueJob(tx, TASKS.sendEmailChangeEmail, { changeId: change!.id, kind }, { jobKey: `email-change:${change!.id}:${kind}` });
      }
      return accepted(email);
    });
  }

  /** The link mailed to the new address: the address becomes the account's, verified. Answers the member. */
  async confirm(token: string): Promise<Outcome<UserRow>> {
    const reading = await readChangeToken(this.options.JWT_SECRET, "confirm", token);
    if (reading.state === "invalid" || !isUuid(reading.userId) || !isUuid(reading.changeId)) return tokenRefusal("EMAIL_CHANGE_TOKEN_INVALID");
    return this.db.transaction(async (tx): Promise<Outcome<UserRow>> => {
      const found = await lockChange(tx, reading.userId, reading.changeId);
      if (!found.ok) return found;
      const { user, change } = found.value;
      // Replaced, undone or confirmed already: a replay, a race lost, or an older link.
      if (change.confirmedAt || change.undoneAt || change.supersededAt || user.email !== change.oldEmail) return tokenRefusal("EMAIL_CHANGE_TOKEN_USED");
      if (reading.state === "expired" || change.confirmExpiresAt.getTime() <= Date.now()) return tokenRefusal("EMAIL_CHANGE_TOKEN_EXPIRED");
      await lockAddress(tx, change.newEmail);
      // Someone registered with the address after it was asked for.
      if (await addressTaken(tx, change.newEmail, user.id)) return refusal("EMAIL_TAKEN", TAKEN, "token");
      const [changed] = await tx
        .update(users)
        .set({ email: change.newEmail, emailVerified: true, updatedAt: sql`now()` })
        .where(eq(users.id, user.id))
        .returning();
      await tx.update(emailChanges).set({ confirmedAt: sql`now()` }).where(eq(emailChanges.id, change.id));
      // The new address is verified by this link: its mailbox is claimed, and a member never verified before is granted now.
      await claimMailbox(tx, changed!, !user.emailVerified);
      return accepted(changed!);
    });
  }

  /** The link mailed to the old address: it is the account's again, any change pending is cancelled, and every session ends. Answers the member. */
  async undo(token: string): Promise<Outcome<UserRow>> {
    const reading = await readChangeToken(this.options.JWT_SECRET, "undo", token);
    if (reading.state === "invalid" || !isUuid(reading.userId) || !isUuid(reading.changeId)) return tokenRefusal("EMAIL_CHANGE_TOKEN_INVALID");
    const outcome = await this.db.transaction(async (tx): Promise<Outcome<{ user: UserRow; endedSessions: string[] }>> => {
      const found = await lockChange(tx, reading.userId, reading.changeId);
      if (!found.ok) return found;
      const { user, change } = found.value;
      if (change.undoneAt) return tokenRefusal("EMAIL_CHANGE_TOKEN_USED");
      if (reading.state === "expired" || change.undoExpiresAt.getTime() <= Date.now()) return tokenRefusal("EMAIL_CHANGE_TOKEN_EXPIRED");
      let restored = user;
      if (user.email !== change.oldEmail) {
        await lockAddress(tx, change.oldEmail);
        // Reserved for this undo since the confirmation; taken only if it was never confirmed and someone took it since.
        if (await addressTaken(tx, change.oldEmail, user.id)) return refusal("EMAIL_TAKEN", TAKEN, "token");
        const [row] = await tx
          .update(users)
          .set({ email: change.oldEmail, emailVerified: change.oldEmailVerified, updatedAt: sql`now()` })
          .where(eq(users.id, user.id))
          .returning();
        restored = row!;
      }
      // This change and every later one (pending or confirmed) end here.
      await tx
        .update(emailChanges)
        .set({ undoneAt: sql`now()` })
        .where(and(eq(emailChanges.userId, user.id), gte(emailChanges.requestedAt, change.requestedAt), isNull(emailChanges.undoneAt)));
      return accepted({ user: restored, endedSessions: await endAllSessions(tx, user.id) });
    });
    return andThen(outcome, async ({ user, endedSessions }) => {
      await announceSessionsEnded(this.events, endedSessions, this.options.ACCESS_TOKEN_TTL_SECONDS);
      return accepted(user);
    });
  }
}

async function lockMember(tx: IdentityTx, userId: string): Promise<UserRow | undefined> {
  const [user] = await tx.select().from(users).where(eq(users.id, userId)).for("update");
  return user;
}

/** The member (row locked: every change of their address is decided one at a time) and the change the link names. */
async function lockChange(tx: IdentityTx, userId: string, changeId: string): Promise<Outcome<{ user: UserRow; change: EmailChangeRow }>> {
  const user = await lockMember(tx, userId);
  if (!user || user.deletionRequestedAt) return tokenRefusal("EMAIL_CHANGE_TOKEN_INVALID");
  const [change] = await tx
    .select()
    .from(emailChanges)
    .where(and(eq(emailChanges.id, changeId), eq(emailChanges.userId, userId)));
  return change ? accepted({ user, change }) : tokenRefusal("EMAIL_CHANGE_TOKEN_INVALID");
}
