import { randomUUID } from "node:crypto";
import { and, eq, isNull, sql } from "drizzle-orm";
import { GraphQLError } from "graphql";
import { addressKey, badUserInput, issueAccessToken, type Config, type RateLimiter, type Database, type EventBus } from "@localex/common";
import { refreshTokens, users, type UserRow, type schema } from "../db/schema.ts";
import type { UsersService } from "../users/users.service.ts";
import {
  checkDisplayName,
  checkEmail,
  checkLoginEmail,
  checkLoginPassword,
  checkPassword,
  normaliseDisplayName,
  normaliseEmail,
} from "../users/validation.ts";
import { announceSessionsEnded } from "./ended-sessions.ts";
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
    /** Registrations, login attempts and refreshes per address (and per email, per session). */
    private readonly limits: RateLimiter,
    /** Tells the gateway a session ended, so its live connections close. */
    private readonly events: EventBus,
  ) {}

  /** `clientAddress`: where the request came from, as the gateway saw it (rate limits). */
  async register(input: { email: string; password: string; displayName: string }, clientAddress: string | null): Promise<Session> {
    // Every attempt counts, refused ones too: probing which emails exist is limited as much.
    await this.limits.consume("REGISTER_PER_ADDRESS", address(clientAddress));
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

  /**
   * Each attempt is counted before its password is checked, so N concurrent guesses get at most
   * the limit through. The count is per email *from one address*: a stranger's failures use up
   * the stranger's attempts, never the owner's. A correct password clears its own count.
   */
  async login(input: { email: string; password: string }, clientAddress: string | null): Promise<Session> {
    const problem = field("input.email", checkLoginEmail(input.email)) ?? field("input.password", checkLoginPassword(input.password));
    if (problem) throw badUserInput(problem.message, problem.field);
    const email = normaliseEmail(input.email);
    const guess = `${email}|${address(clientAddress)}`;
    await this.limits.consume("LOGIN_PER_ADDRESS", address(clientAddress));
    await this.limits.consume("LOGIN_PER_EMAIL_AND_ADDRESS", guess);
    const user = await this.users.authenticate(email, input.password);
    if (!user) throw refused("The email or password is wrong.");
    await this.limits.reset("LOGIN_PER_EMAIL_AND_ADDRESS", guess);
    return this.startSession(user);
  }

  /**
   * Rotates a refresh token. A token presented twice means it leaked (or a client raced
   * itself): the whole family is revoked and the caller must sign in again.
   */
  async refresh(token: string, clientAddress: string | null): Promise<Session> {
    await this.limits.consume("REFRESH_PER_ADDRESS", address(clientAddress));
    const [known] = await this.db.select({ familyId: refreshTokens.familyId }).from(refreshTokens).where(eq(refreshTokens.tokenHash, digestOf(token)));
    if (known) await this.limits.consume("REFRESH_PER_SESSION", `session:${known.familyId}`);
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
      if (!user || user.deletionRequestedAt) return { error: "The account no longer exists." };
      const next = await this.storeRefreshToken(tx, user.id, row.familyId);
      return { user, familyId: row.familyId, refreshToken: next };
    });
    if ("error" in outcome) {
      if (outcome.revokedFamily) announceSessionsEnded(this.events, [outcome.revokedFamily], this.config.ACCESS_TOKEN_TTL_SECONDS);
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
    announceSessionsEnded(this.events, [sessionId], this.config.ACCESS_TOKEN_TTL_SECONDS);
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

/** The rate-limit key of a client address (internal callers have none). */
const address = (clientAddress: string | null) => (clientAddress ? addressKey(clientAddress) : "address:internal");
