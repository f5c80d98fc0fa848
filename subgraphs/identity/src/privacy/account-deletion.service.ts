import { and, eq, isNull, sql } from "drizzle-orm";
import {
  accepted,
  enqueueJob,
  InternalCallError,
  refusal,
  TASKS,
  unavailable,
  type Accepted,
  type Database,
  type EventBus,
  type InternalRequester,
  type Logger,
  type RateLimiter,
  type Refusal,
} from "@localex/common";
import {
  accountDeletions,
  emailChanges,
  notificationPreferences,
  notifications,
  pushSubscriptions,
  refreshTokens,
  users,
  verificationRequests,
  type schema,
} from "../db/schema.ts";
import { announceSessionsEnded, endAllSessions } from "../sessions/ended-sessions.ts";
import { verifyPassword } from "../users/passwords.ts";
import { closeMemberAccount } from "./ledger-client.ts";
import { withdrawMemberListings } from "./listings-client.ts";
import { forgetMemberMedia } from "./media-client.ts";
import { abandonMemberDeparture, beginMemberDeparture, closeMemberTrades } from "./trades-client.ts";

type IdentityDatabase = Database<typeof schema>;

/** What a deleted member is called wherever others still see them (trade histories, postings). */
export const DELETED_MEMBER_NAME = "Deleted member";

/**
 * The steps of a deletion, in order. Each is idempotent on its side; one recorded as done is
 * never run again, so a job that crashed resumes at the first step not recorded.
 */
export const DELETION_STEPS = ["close-trades", "withdraw-listings", "forget-media", "close-account", "anonymise-profile"] as const;
export type DeletionStep = (typeof DELETION_STEPS)[number];

/** A refused deletion, with the trades that stand in the way (MEMBER_HAS_ACTIVE_TRADES; none otherwise): deleteMyAccount names them. */
export type DeletionRefusal = Refusal & { readonly activeTradeIds: string[] };
/** deleteMyAccount's outcome: an Outcome whose refusals say which trades stand in the way. */
export type DeletionOutcome = Accepted<void> | DeletionRefusal;

const refused = (reason: Refusal, activeTradeIds: string[] = []): DeletionRefusal => ({ ...reason, activeTradeIds });
const wrongPassword = () => refused(refusal("WRONG_PASSWORD", "The password is wrong.", "password"));

/** The deletion's job: one per member (a key, and a queue of its own: JOB_POLICIES), however often it is queued again. */
export const deletionJobKey = (userId: string) => `account-deletion:${userId}`;

// Codes that say the step was refused, not that a service was away: running it again will not
// help by itself (a trade stuck mid-step, a bug), so an operator must look.
const REFUSALS = new Set(["MEMBER_HAS_ACTIVE_TRADES", "BAD_USER_INPUT", "FORBIDDEN", "UNAUTHENTICATED", "GRAPHQL_VALIDATION_FAILED"]);

/** A step that failed, and what remains of the deletion from it on. */
export class DeletionStepFailed extends Error {
  constructor(
    readonly step: DeletionStep,
    readonly remaining: DeletionStep[],
    readonly reason: string,
    readonly refusal: boolean,
    cause: unknown,
  ) {
    super(`${step}: ${reason}`, { cause });
    this.name = "DeletionStepFailed";
  }
}

/**
 * deleteMyAccount (issues 12 and 20). Accepting it is synchronous and checked: the password, and
 * trades marks the member departing unless a trade holds escrow or is mid-step (then it is
 * refused, MEMBER_HAS_ACTIVE_TRADES, and nothing starts). From the mark on nobody can start a
 * trade with the member, so every step of the job (DELETION_STEPS) can always finish; the job is
 * retried until it does (and queued again by the hourly sweep, deletion-sweep.ts). From
 * acceptance on the member can no longer sign in or refresh, and their sessions end (the gateway
 * closes their sockets and refuses their access tokens).
 */
export class AccountDeletionService {
  constructor(
    private readonly db: IdentityDatabase,
    private readonly internal: InternalRequester,
    private readonly events: EventBus,
    private readonly limits: RateLimiter,
    private readonly accessTokenTtlSeconds: number,
    private readonly log: Logger,
  ) {}

  async request(userId: string, password: string): Promise<DeletionOutcome> {
    await this.limits.consume("DELETE_ACCOUNT_PER_ACCOUNT", userId);
    if (password.length > 256) return wrongPassword();
    const [user] = await this.db.select().from(users).where(eq(users.id, userId));
    if (!user) return refused(refusal("NOT_FOUND", "Your account no longer exists."));
    if (user.deletionRequestedAt) return accepted(); // already under way: a second click changes nothing
    if (!(await verifyPassword(user.passwordHash, password))) return wrongPassword();
    const blockers = await beginMemberDeparture(this.internal, userId).catch((e: unknown) => Promise.reject(unavailable("trades", e)));
    if (blockers.length > 0) {
      const message = `Your account cannot be deleted while credits are held in escrow for a trade: complete, cancel or settle the dispute of ${blockers.join(", ")} first.`;
      return refused(refusal("MEMBER_HAS_ACTIVE_TRADES", message), blockers);
    }
    let sessions: string[] | null;
    try {
      sessions = await this.db.transaction(async (tx) => {
        const [marked] = await tx
          .update(users)
          .set({ deletionRequestedAt: sql`now()`, updatedAt: sql`now()` })
          .where(and(eq(users.id, userId), isNull(users.deletionRequestedAt)))
          .returning({ id: users.id });
        if (!marked) return null; // a concurrent request won
        await tx.insert(accountDeletions).values({ userId }).onConflictDoNothing();
        await enqueueJob(tx, TASKS.deleteAccount, { userId }, { jobKey: deletionJobKey(userId) });
        return endAllSessions(tx, userId);
      });
    } catch (error) {
      await this.abandonDeparture(userId);
      throw error;
    }
    await announceSessionsEnded(this.events, sessions ?? [], this.accessTokenTtlSeconds);
    return accepted();
  }

  /** The deletion was not recorded: the member may trade again. Failing that, asking again (or support) finishes what was begun. */
  private async abandonDeparture(userId: string): Promise<void> {
    await abandonMemberDeparture(this.internal, userId).catch((err: unknown) =>
      this.log.error({ err, userId }, "a deletion was not recorded, and trades still refuses the member's new trades (MEMBER_DEPARTING) until they ask again"),
    );
  }

  /** Runs the steps not yet done, recording each; throws DeletionStepFailed (and is retried) at the first that fails. */
  async resume(userId: string): Promise<"done" | "nothing-to-do"> {
    const [deletion] = await this.db.select().from(accountDeletions).where(eq(accountDeletions.userId, userId));
    if (!deletion || deletion.completedAt) return "nothing-to-do";
    for (const [i, step] of DELETION_STEPS.entries()) {
      if (deletion.stepsDone.includes(step)) continue;
      try {
        await this.run(step, userId);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        await this.db
          .update(accountDeletions)
          .set({ lastError: `${step}: ${message}`.slice(0, 1000) })
          .where(eq(accountDeletions.userId, userId));
        const remaining = DELETION_STEPS.slice(i).filter((s) => !deletion.stepsDone.includes(s));
        throw new DeletionStepFailed(step, remaining, message, error instanceof InternalCallError && REFUSALS.has(error.code), error);
      }
      if (step !== "anonymise-profile") {
        await this.db
          .update(accountDeletions)
          .set({ stepsDone: sql`array_append(${accountDeletions.stepsDone}, ${step})`, lastError: null })
          .where(eq(accountDeletions.userId, userId));
      }
    }
    return "done";
  }

  private async run(step: DeletionStep, userId: string): Promise<void> {
    switch (step) {
      case "close-trades":
        await closeMemberTrades(this.internal, userId);
        return;
      case "withdraw-listings":
        await withdrawMemberListings(this.internal, userId);
        return;
      case "forget-media":
        await forgetMemberMedia(this.internal, userId);
        return;
      case "close-account":
        await closeMemberAccount(this.internal, userId);
        return;
      case "anonymise-profile":
        await this.anonymise(userId);
        return;
    }
  }

  /**
   * The last step, in one transaction with its own record: the profile keeps only its id (which
   * trades and postings point at); the inbox, preferences, push endpoints, sign-ins and
   * verification requests go.
   */
  private async anonymise(userId: string): Promise<void> {
    const sessions = await this.db.transaction(async (tx) => {
      await tx
        .update(users)
        .set({
          displayName: DELETED_MEMBER_NAME,
          // The handle is free for others from here on; bio and area go with the profile.
          handle: null,
          bio: null,
          area: null,
          email: `deleted-${userId}@deleted.invalid`,
          passwordHash: "!deleted",
          role: "user",
          verified: false,
          emailVerified: false,
          deletedAt: sql`coalesce(${users.deletedAt}, now())`,
          updatedAt: sql`now()`,
        })
        .where(eq(users.id, userId));
      const ended = await endAllSessions(tx, userId);
      await tx.delete(refreshTokens).where(eq(refreshTokens.userId, userId));
      await tx.delete(notifications).where(eq(notifications.userId, userId));
      await tx.delete(notificationPreferences).where(eq(notificationPreferences.userId, userId));
      await tx.delete(pushSubscriptions).where(eq(pushSubscriptions.userId, userId));
      await tx.delete(verificationRequests).where(eq(verificationRequests.userId, userId));
      // Old and new addresses, and the reservation of an old one for an undo: gone with the profile.
      await tx.delete(emailChanges).where(eq(emailChanges.userId, userId));
      await tx
        .update(accountDeletions)
        .set({ stepsDone: [...DELETION_STEPS], completedAt: sql`now()`, lastError: null })
        .where(eq(accountDeletions.userId, userId));
      return ended;
    });
    await announceSessionsEnded(this.events, sessions, this.accessTokenTtlSeconds);
  }
}
