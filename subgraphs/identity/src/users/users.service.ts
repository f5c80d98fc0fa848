import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import { isUuid, type Database, type ErrorCode } from "@localex/common";
import { users, type UserRow, type schema } from "../db/schema.ts";
import { addressTaken, lockAddress } from "./email-claims.ts";
import { enqueueVerificationEmail } from "./email-verification.ts";
import { hashPassword, verifyPassword } from "./passwords.ts";
import { checkDisplayName, normaliseDisplayName } from "./validation.ts";

export type ProfileChange = { ok: true; user: UserRow } | { ok: false; field: string; code: ErrorCode; message: string };

// A hash of a random password: login for an unknown email still pays for one verification,
// so response time does not reveal which emails are registered.
const TIMING_DUMMY_HASH = hashPassword(crypto.randomUUID());

export class UsersService {
  constructor(private readonly db: Database<typeof schema>) {}

  async byIds(ids: readonly string[]): Promise<UserRow[]> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return [];
    return this.db.select().from(users).where(inArray(users.id, valid));
  }

  async byEmail(email: string): Promise<UserRow | null> {
    const [row] = await this.db.select().from(users).where(eq(users.email, email));
    return row ?? null;
  }

  /**
   * Inserts a member (role `user`, address unverified) and, in the same transaction, the job that
   * mails the verification link. The welcome credits wait for verification (email-verification.ts).
   * Returns null when the (normalised) email is already taken.
   */
  async create(email: string, password: string, displayName: string): Promise<UserRow | null> {
    const passwordHash = await hashPassword(password);
    return this.db.transaction(async (tx) => {
      // An address a confirmed email change keeps for its undo is taken (email-claims.ts).
      await lockAddress(tx, email);
      if (await addressTaken(tx, email, null)) return null;
      const [row] = await tx
        .insert(users)
        .values({ email, passwordHash, displayName, role: "user" })
        .onConflictDoNothing({ target: users.email })
        .returning();
      if (!row) return null;
      await enqueueVerificationEmail(tx, row.id);
      return row;
    });
  }

  /** The user whose password this is, or null; takes the same time whether or not the email exists. */
  async authenticate(email: string, password: string): Promise<UserRow | null> {
    const user = await this.byEmail(email);
    if (!user) {
      await verifyPassword(await TIMING_DUMMY_HASH, password);
      return null;
    }
    // A departing or departed member signs in no more (their hash is gone once anonymised).
    if (user.deletionRequestedAt) {
      await verifyPassword(await TIMING_DUMMY_HASH, password);
      return null;
    }
    return (await verifyPassword(user.passwordHash, password)) ? user : null;
  }

  async updateProfile(userId: string, change: { displayName?: string | null }): Promise<ProfileChange> {
    const set: Partial<UserRow> = {};
    if (change.displayName != null) {
      const displayName = normaliseDisplayName(change.displayName);
      const problem = checkDisplayName(displayName);
      if (problem) return { ok: false, field: "input.displayName", code: "INVALID_INPUT", message: problem };
      set.displayName = displayName;
    }
    const [row] = await this.db
      .update(users)
      .set({ ...set, updatedAt: sql`now()` })
      .where(and(eq(users.id, userId), isNull(users.deletionRequestedAt)))
      .returning();
    if (!row) return { ok: false, field: "id", code: "NOT_FOUND", message: "Your account no longer exists." };
    return { ok: true, user: row };
  }
}
