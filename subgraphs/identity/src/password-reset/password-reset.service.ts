import { eq } from "drizzle-orm";
import { accepted, addressKey, andThen, enqueueJob, refusal, TASKS, type Database, type EventBus, type Outcome, type RateLimiter } from "@localex/common";
import { users, type UserRow, type schema } from "../db/schema.ts";
import { announceSessionsEnded } from "../sessions/ended-sessions.ts";
import { hashPassword } from "../users/passwords.ts";
import { replacePassword } from "../users/replace-password.ts";
import type { UsersService } from "../users/users.service.ts";
import { checkLoginEmail, checkPassword, normaliseEmail } from "../users/validation.ts";
import { passwordFingerprint, readResetToken } from "./reset-token.ts";

const MESSAGES = {
  PASSWORD_RESET_TOKEN_INVALID: "This reset link is not valid. Use the latest link we emailed you, or ask for a new one.",
  PASSWORD_RESET_TOKEN_EXPIRED: "This reset link has expired. Ask for a new one.",
  PASSWORD_RESET_TOKEN_USED: "This reset link was already used, or the password changed since it was sent. Ask for a new one.",
} as const;
const tokenRefusal = (code: keyof typeof MESSAGES) => refusal(code, MESSAGES[code], "token");

/**
 * Account recovery: `requestPasswordReset(email)` mails a single-use link, and answers the same
 * whether or not the email has an account, so it tells nobody who is a member; `resetPassword(token, newPassword)` sets the password, ends every session and
 * mails a notice. A link is single-use without being stored: it carries a fingerprint of the
 * password it replaces (reset-token.ts), which the first reset changes.
 */
export class PasswordResetService {
  constructor(
    private readonly db: Database<typeof schema>,
    private readonly users: UsersService,
    private readonly limits: RateLimiter,
    private readonly events: EventBus,
    private readonly options: { JWT_SECRET: string; ACCESS_TOKEN_TTL_SECONDS: number },
  ) {}

  /** Accepted whatever the email: the answer tells nobody whether it has an account. */
  async requestReset(email: string, clientAddress: string | null): Promise<Outcome<void>> {
    // Counted before anything is looked up, for every email alike: RATE_LIMITED tells nobody
    // whether the email has an account, and brakes mail bombing.
    await this.limits.consume("PASSWORD_RESET_PER_ADDRESS", clientAddress ? addressKey(clientAddress) : "address:internal");
    if (checkLoginEmail(email)) return accepted();
    const normalised = normaliseEmail(email);
    await this.limits.consume("PASSWORD_RESET_PER_EMAIL", `email:${normalised}`);
    const user = await this.users.byEmail(normalised);
    if (!user || user.deletionRequestedAt) return accepted();
    // One pending link mail per member: asking again before it went replaces it.
    await enqueueJob(
      this.db,
      TASKS.sendPasswordEmail,
      { userId: user.id, kind: "reset-link", at: new Date().toISOString() },
      { jobKey: `password-reset:${user.id}` },
    );
    return accepted();
  }

  /** Answers the member whose password was reset. */
  async resetPassword(token: string, newPassword: string): Promise<Outcome<UserRow>> {
    const reading = await readResetToken(this.options.JWT_SECRET, token);
    if (reading.state === "invalid") return tokenRefusal("PASSWORD_RESET_TOKEN_INVALID");
    if (reading.state === "expired") return tokenRefusal("PASSWORD_RESET_TOKEN_EXPIRED");
    const weak = checkPassword(newPassword);
    if (weak) return refusal("INVALID_INPUT", weak, "newPassword");
    const newHash = await hashPassword(newPassword);
    const outcome = await this.db.transaction(async (tx): Promise<Outcome<{ user: UserRow; endedSessions: string[] }>> => {
      // Locked and checked here: of two resets with one link at once, the second sees the first's password.
      const [user] = await tx.select().from(users).where(eq(users.id, reading.userId)).for("update");
      if (!user || user.deletionRequestedAt) return tokenRefusal("PASSWORD_RESET_TOKEN_INVALID");
      if (passwordFingerprint(user.passwordHash) !== reading.fingerprint) return tokenRefusal("PASSWORD_RESET_TOKEN_USED");
      return accepted(await replacePassword(tx, user.id, newHash, null));
    });
    return andThen(outcome, async ({ user, endedSessions }) => {
      await announceSessionsEnded(this.events, endedSessions, this.options.ACCESS_TOKEN_TTL_SECONDS);
      return accepted(user);
    });
  }
}
