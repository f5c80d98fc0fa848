import { eq } from "drizzle-orm";
import { accepted, andThen, refusal, type Database, type EventBus, type Outcome, type RateLimiter } from "@localex/common";
import { users, type UserRow, type schema } from "../db/schema.ts";
import { announceSessionsEnded } from "../sessions/ended-sessions.ts";
import { hashPassword, verifyPassword } from "../users/passwords.ts";
import { replacePassword } from "../users/replace-password.ts";
import { checkLoginPassword, checkPassword } from "../users/validation.ts";

/** The member with the new password, and how many of their other sessions ended. */
export interface PasswordChanged {
  user: UserRow;
  endedSessions: number;
}

/**
 * `changePassword`: a signed-in member sets a new password by giving the current one. Every other
 * session ends (its refresh tokens stop working, its access tokens are refused by every gateway at
 * once); the session that asked goes on. Attempts are counted before the current password is
 * checked (PASSWORD_CHANGE_PER_ACCOUNT), so a stolen access token cannot be used to guess it.
 */
export class PasswordChangeService {
  constructor(
    private readonly db: Database<typeof schema>,
    private readonly limits: RateLimiter,
    private readonly events: EventBus,
    private readonly accessTokenTtlSeconds: number,
  ) {}

  async changePassword(caller: { userId: string; sessionId: string }, currentPassword: string, newPassword: string): Promise<Outcome<PasswordChanged>> {
    await this.limits.consume("PASSWORD_CHANGE_PER_ACCOUNT", caller.userId);
    const current = checkLoginPassword(currentPassword);
    if (current) return refusal("WRONG_PASSWORD", "The current password is wrong.", "currentPassword");
    const weak = checkPassword(newPassword);
    if (weak) return refusal("INVALID_INPUT", weak, "newPassword");
    // Hashed before the transaction: argon2 is the slow step, and the row lock is held only to check and write.
    const newHash = await hashPassword(newPassword);
    const outcome = await this.db.transaction(async (tx): Promise<Outcome<{ user: UserRow; endedSessions: string[] }>> => {
      // Locked: of two changes made at once with the same current password, the second sees the first's.
      const [user] = await tx.select().from(users).where(eq(users.id, caller.userId)).for("update");
      if (!user || user.deletionRequestedAt) return refusal("WRONG_PASSWORD", "The current password is wrong.", "currentPassword");
      if (!(await verifyPassword(user.passwordHash, currentPassword))) return refusal("WRONG_PASSWORD", "The current password is wrong.", "currentPassword");
      if (await verifyPassword(user.passwordHash, newPassword))
        return refusal("PASSWORD_UNCHANGED", "The new password is the current one; choose another.", "newPassword");
      return accepted(await replacePassword(tx, user.id, newHash, caller.sessionId));
    });
    return andThen(outcome, async ({ user, endedSessions }) => {
      await announceSessionsEnded(this.events, endedSessions, this.accessTokenTtlSeconds);
      return accepted({ user, endedSessions: endedSessions.length });
    });
  }
}
