import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import { accepted, anyOfKeys, readByKeys, refusal, type Database, type Outcome } from "@localex/common";
import { users, type UserRow, type schema } from "../db/schema.ts";
import { addressTaken, lockAddress } from "./email-claims.ts";
import { enqueueVerificationEmail } from "./email-verification.ts";
import { hashPassword, verifyPassword } from "./passwords.ts";
import { areaProblem, bioProblem, claimHandle, handleProblem, HANDLE_PATTERN, normaliseArea, normaliseBio, normaliseHandle } from "./profile-rules.ts";
import { checkDisplayName, normaliseDisplayName } from "./validation.ts";

export interface ProfileInput {
  displayName?: string | null;
  handle?: string | null;
  bio?: string | null;
  area?: string | null;
}

// A hash of a random password: login for an unknown email still pays for one verification,
// so response time does not reveal which emails are registered.
const TIMING_DUMMY_HASH = hashPassword(crypto.randomUUID());

const emailTaken = () => refusal("EMAIL_TAKEN", "An account with this email already exists.", "input.email");

export class UsersService {
  /** Built and prepared once: every entity fetch of a User reads through it (anyOfKeys). */
  readonly byIds: (ids: readonly string[]) => Promise<UserRow[]>;

  constructor(private readonly db: Database<typeof schema>) {
    this.byIds = readByKeys(db.select().from(users).where(anyOfKeys(users.id, "uuid")).prepare("users_by_ids"));
  }

  async byEmail(email: string): Promise<UserRow | null> {
    const [row] = await this.db.select().from(users).where(eq(users.email, email));
    return row ?? null;
  }

  /**
   * Inserts a member (role `user`, address unverified, with the handle if one is given) and, in
   * the same transaction, the job that mails the verification link. The welcome credits wait for
   * verification (email-verification.ts). Refused (EMAIL_TAKEN, HANDLE_TAKEN, naming register's
   * input) when the (normalised) email or the handle is taken.
   */
  async create(email: string, password: string, displayName: string, handle: string | null = null): Promise<Outcome<UserRow>> {
    const passwordHash = await hashPassword(password);
    return this.db.transaction(async (tx): Promise<Outcome<UserRow>> => {
      // An address a confirmed email change keeps for its undo is taken (email-claims.ts).
      await lockAddress(tx, email);
      if (await addressTaken(tx, email, null)) return emailTaken();
      if (handle !== null && (await claimHandle(tx, handle, null)) === "taken")
        return refusal("HANDLE_TAKEN", `@${handle} is taken; choose another handle.`, "input.handle");
      const [row] = await tx
        .insert(users)
        .values({ email, passwordHash, displayName, handle, role: "user" })
        .onConflictDoNothing({ target: users.email })
        .returning();
      if (!row) return emailTaken();
      await enqueueVerificationEmail(tx, row.id);
      return accepted(row);
    });
  }

  /** The member with this handle (normalised), unless they are departing or gone. */
  async byHandle(handle: string): Promise<UserRow | null> {
    const normalised = normaliseHandle(handle);
    if (!HANDLE_PATTERN.test(normalised)) return null;
    const [row] = await this.db
      .select()
      .from(users)
      .where(and(eq(users.handle, normalised), isNull(users.deletionRequestedAt)));
    return row ?? null;
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

  /** Changes the fields given; `bio` or `area` given empty are removed. A taken handle is refused as data. */
  async updateProfile(userId: string, change: ProfileInput): Promise<Outcome<UserRow>> {
    const set: Partial<UserRow> = {};
    if (change.displayName != null) {
      const displayName = normaliseDisplayName(change.displayName);
      const problem = checkDisplayName(displayName);
      if (problem) return refusal("INVALID_INPUT", problem, "input.displayName");
      set.displayName = displayName;
    }
    if (change.bio != null) {
      set.bio = normaliseBio(change.bio);
      const problem = bioProblem(set.bio);
      if (problem) return refusal("INVALID_INPUT", problem, "input.bio");
    }
    if (change.area != null) {
      set.area = normaliseArea(change.area);
      const problem = areaProblem(set.area);
      if (problem) return refusal("INVALID_INPUT", problem, "input.area");
    }
    if (change.handle != null) {
      set.handle = normaliseHandle(change.handle);
      const problem = handleProblem(set.handle);
      if (problem) return refusal(problem.code, problem.message, "input.handle");
    }
    return this.db.transaction(async (tx): Promise<Outcome<UserRow>> => {
      if (set.handle && (await claimHandle(tx, set.handle, userId)) === "taken") {
        return refusal("HANDLE_TAKEN", `@${set.handle} is taken; choose another handle.`, "input.handle");
      }
      const [row] = await tx
        .update(users)
        .set({ ...set, updatedAt: sql`now()` })
        .where(and(eq(users.id, userId), isNull(users.deletionRequestedAt)))
        .returning();
      if (!row) return refusal("NOT_FOUND", "Your account no longer exists.", "id");
      return accepted(row);
    });
  }
}
