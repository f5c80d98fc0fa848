import { and, eq, isNull, sql } from "drizzle-orm";
import { GraphQLError } from "graphql";
import { enqueueJob, TASKS, unavailable, type Database, type EventBus, type InternalClient, type RateLimiter } from "@localex/common";
import {
  accountDeletions,
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

type IdentityDatabase = Database<typeof schema>;

/** What a deleted member is called wherever others still see them (trade histories, postings). */
export const DELETED_MEMBER_NAME = "Deleted member";

/**
 * The steps of a deletion, in order. Each is idempotent on its side; one recorded as done is
 * never run again, so a job that crashed resumes at the first step not recorded.
 */
export const DELETION_STEPS = ["close-trades", "withdraw-listings", "forget-media", "close-account", "anonymise-profile"] as const;
export type DeletionStep = (typeof DELETION_STEPS)[number];

const refused = (message: string, code: string, extensions: Record<string, unknown> = {}) =>
  new GraphQLError(message, { extensions: { code, ...extensions } });

/**
 * deleteMyAccount (issue 12). Accepting it is synchronous and checked (the password, and no
 * trade with credits in escrow); the work is one durable job of steps across the subgraphs
 * (DELETION_STEPS). From acceptance on the member can no longer sign in or refresh, and their
 * sessions end (the gateway closes their sockets and refuses their access tokens).
 */
export class AccountDeletionService {
  constructor(
    private readonly db: IdentityDatabase,
    private readonly internal: InternalClient,
    private readonly events: EventBus,
    private readonly limits: RateLimiter,
    private readonly accessTokenTtlSeconds: number,
  ) {}

  async request(userId: string, password: string): Promise<boolean> {
    await this.limits.consume("DELETE_ACCOUNT_PER_ACCOUNT", userId);
    if (password.length > 256) throw refused("The password is wrong.", "WRONG_PASSWORD", { field: "password" });
    const [user] = await this.db.select().from(users).where(eq(users.id, userId));
    if (!user) throw refused("Your account no longer exists.", "NOT_FOUND");
    if (user.deletionRequestedAt) return true; // already under way: a second click changes nothing
    if (!(await verifyPassword(user.passwordHash, password))) throw refused("The password is wrong.", "WRONG_PASSWORD", { field: "password" });
    const { departureBlockers } = await this.internal
      .request<{ departureBlockers: string[] }>("trades", `query ($userId: ID!) { departureBlockers(userId: $userId) }`, { userId })
      .catch((e: unknown) => Promise.reject(unavailable("trades", e)));
    if (departureBlockers.length > 0) {
      throw refused(
        `Your account cannot be deleted while credits are held in escrow for a trade: complete, cancel or settle the dispute of ${departureBlockers.join(", ")} first.`,
        "MEMBER_HAS_ACTIVE_TRADES",
        { tradeIds: departureBlockers },
      );
    }
    const sessions = await this.db.transaction(async (tx) => {
      const [marked] = await tx
        .update(users)
        .set({ deletionRequestedAt: sql`now()`, updatedAt: sql`now()` })
        .where(and(eq(users.id, userId), isNull(users.deletionRequestedAt)))
        .returning({ id: users.id });
      if (!marked) return null; // a concurrent request won
      await tx.insert(accountDeletions).values({ userId }).onConflictDoNothing();
      await enqueueJob(tx, TASKS.deleteAccount, { userId }, { jobKey: `account-deletion:${userId}` });
      return endAllSessions(tx, userId);
    });
    announceSessionsEnded(this.events, sessions ?? [], this.accessTokenTtlSeconds);
    return true;
  }

  /** Runs the steps not yet done, recording each; throws (and is retried) at the first that fails. */
  async resume(userId: string): Promise<"done" | "nothing-to-do"> {
    const [deletion] = await this.db.select().from(accountDeletions).where(eq(accountDeletions.userId, userId));
    if (!deletion || deletion.completedAt) return "nothing-to-do";
    for (const step of DELETION_STEPS) {
      if (deletion.stepsDone.includes(step)) continue;
      try {
        await this.run(step, userId);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        await this.db.update(accountDeletions).set({ lastError: `${step}: ${message}`.slice(0, 1000) }).where(eq(accountDeletions.userId, userId));
        throw error;
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
    const vars = { userId };
    switch (step) {
      case "close-trades":
        await this.internal.request("trades", `mutation ($userId: ID!) { closeMemberTrades(userId: $userId) }`, vars);
        return;
      case "withdraw-listings":
        await this.internal.request("listings", `mutation ($userId: ID!) { withdrawMemberListings(userId: $userId) }`, vars);
        return;
      case "forget-media":
        await this.internal.request("media", `mutation ($userId: ID!) { forgetMemberMedia(userId: $userId) }`, vars);
        return;
      case "close-account":
        await this.internal.request("ledger", `mutation ($userId: ID!) { closeMemberAccount(userId: $userId) }`, vars);
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
      await tx
        .update(accountDeletions)
        .set({ stepsDone: [...DELETION_STEPS], completedAt: sql`now()`, lastError: null })
        .where(eq(accountDeletions.userId, userId));
      return ended;
    });
    announceSessionsEnded(this.events, sessions, this.accessTokenTtlSeconds);
  }
}
