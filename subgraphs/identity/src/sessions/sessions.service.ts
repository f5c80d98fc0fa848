import { randomUUID } from "node:crypto";
import { and, eq, isNull, sql } from "drizzle-orm";
import { GraphQLError } from "graphql";
import { badUserInput, issueAccessToken, type AttemptLimiter, type Config, type Database, TOPICS, type EventBus } from "@localex/common";
import { refreshTokens, users, type UserRow, type schema } from "../db/schema.ts";
import type { UsersService } from "../users/users.service.ts";
import {
  checkDisplayName,
  checkEmail,
  checkPassword,
  normaliseDisplayName,
  normaliseEmail,
} from "../users/validation.ts";
import { digestOf, newRefreshToken } from "./refresh-tokens.ts";

export interface Session {
  sessionId: string;
  accessToken: string;
  refreshToken: string;
  user: UserRow;
}

function refused(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "UNAUTHENTICATED" } });
}

type Rotation = { error: string; revokedFamily?: string } | { user: UserRow; familyId: string; refreshToken: string };

type Tx = Parameters<Parameters<Database<typeof schema>["transaction"]>[0]>[0];

export class SessionsService {
  constructor(
    private readonly db: Database<typeof schema>,
    private readonly users: UsersService,
    private readonly config: Pick<Config, "JWT_SECRET" | "ACCESS_TOKEN_TTL_SECONDS" | "REFRESH_TOKEN_TTL_SECONDS">,
    /** Failed logins per email: password guessing stops after a few tries. */
    private readonly loginFailures: AttemptLimiter,
    /** Tells the gateway a session ended, so its live connections close. */
    private readonly events: EventBus,
  ) {}

  async register(input: { email: string; password: string; displayName: string }): Promise<Session> {
    const email = normaliseEmail(input.email);
    const displayName = normaliseDisplayName(input.displayName);
    const problem =
      field("input.email", checkEmail(email)) ??
      field("input.password", checkPassword(input.password)) ??
      field("input.displayName", checkDisplayName(displayName));
    if (problem) throw badUserInput(problem.message, problem.field);

    const user = await this.users.create(email, input.password, displayName);
    if (!user) throw badUserInput("An account with this email already exists.", "input.email");
    return this.startSession(user);
  }

  async login(input: { email: string; password: string }): Promise<Session> {
    const email = normaliseEmail(input.email);
    await this.loginFailures.assertAllowed(email);
    const user = await this.users.authenticate(email, input.password);
    if (!user) {
      await this.loginFailures.recordFailure(email);
      throw refused("The email or password is wrong.");
    }
    await this.loginFailures.reset(email);
    return this.startSession(user);
  }

  /**
   * Rotates a refresh token. A token presented twice means it leaked (or a client raced
   * itself): the whole family is revoked and the caller must sign in again.
   */
  async refresh(token: string): Promise<Session> {
    const outcome = await this.db.transaction(async (tx): Promise<Rotation> => {
      const [row] = await tx
        .select()
        .from(refreshTokens)
        .where(eq(refreshTokens.tokenHash, digestOf(token)))
        .for("update");
      if (!row) return { error: "The refresh token is not recognised." };
      if (row.revokedAt) return { error: "This session has been signed out." };
      if (row.usedAt) {
        await revokeFamily(tx, row.familyId);
        return { error: "This refresh token was already used; the session has been revoked. Sign in again.", revokedFamily: row.familyId };
      }
      if (row.expiresAt.getTime() <= Date.now()) return { error: "The refresh token has expired. Sign in again." };
      await tx.update(refreshTokens).set({ usedAt: sql`now()` }).where(eq(refreshTokens.id, row.id));
      const [user] = await tx.select().from(users).where(eq(users.id, row.userId));
      if (!user) return { error: "The account no longer exists." };
      const next = await this.storeRefreshToken(tx, user.id, row.familyId);
      return { user, familyId: row.familyId, refreshToken: next };
    });
    if ("error" in outcome) {
      if (outcome.revokedFamily) this.events.publish(TOPICS.sessionsEnded, { id: outcome.revokedFamily });
      throw refused(outcome.error);
    }
    return this.sessionFor(outcome.user, outcome.familyId, outcome.refreshToken);
  }

  /** Ends the session the access token belongs to: its refresh tokens stop working. */
  async logout(userId: string, sessionId: string): Promise<void> {
    await this.db
      .update(refreshTokens)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(refreshTokens.familyId, sessionId), eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
    this.events.publish(TOPICS.sessionsEnded, { id: sessionId });
  }

  close(): void {
    this.loginFailures.close();
  }

  private async startSession(user: UserRow): Promise<Session> {
    const familyId = randomUUID();
    const refreshToken = await this.db.transaction((tx) => this.storeRefreshToken(tx, user.id, familyId));
    return this.sessionFor(user, familyId, refreshToken);
  }

  private async storeRefreshToken(tx: Tx, userId: string, familyId: string): Promise<string> {
    const { token, digest } = newRefreshToken();
    await tx.insert(refreshTokens).values({
      familyId,
      userId,
      tokenHash: digest,
      expiresAt: new Date(Date.now() + this.config.REFRESH_TOKEN_TTL_SECONDS * 1000),
    });
    return token;
  }

  private async sessionFor(user: UserRow, familyId: string, refreshToken: string): Promise<Session> {
    const { token } = await issueAccessToken(
      this.config.JWT_SECRET,
      { userId: user.id, role: user.role, sessionId: familyId },
      this.config.ACCESS_TOKEN_TTL_SECONDS,
    );
    return { sessionId: familyId, accessToken: token, refreshToken, user };
  }
}

async function revokeFamily(tx: Tx, familyId: string): Promise<void> {
  await tx
    .update(refreshTokens)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
}

function field(name: string, problem: string | null): { field: string; message: string } | null {
  return problem ? { field: name, message: problem } : null;
}
