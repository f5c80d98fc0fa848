import { randomUUID } from "node:crypto";
import { and, eq, isNull, sql } from "drizzle-orm";
import { GraphQLError } from "graphql";
import {
  accepted,
  apiError,
  addressKey,
  badUserInput,
  issueAccessToken,
  refusal,
  type Config,
  type Database,
  type EventBus,
  type Outcome,
  type RateLimiter,
} from "@localex/common";
import { refreshTokens, users, type IdentityTx, type SuspensionRow, type UserRow, type schema } from "../db/schema.ts";
import { handleProblem, normaliseHandle } from "../users/profile-rules.ts";
import type { UsersService } from "../users/users.service.ts";
import { checkDisplayName, checkEmail, checkLoginEmail, checkLoginPassword, checkPassword, normaliseDisplayName, normaliseEmail } from "../users/validation.ts";
import { announceSessionsEnded } from "./ended-sessions.ts";
import { readDeviceToken, signDeviceToken } from "./known-devices.ts";
import { digestOf, newRefreshToken } from "./refresh-tokens.ts";

export interface Session {
  sessionId: string;
  accessToken: string;
  refreshToken: string;
  user: UserRow;
  /** For register and login: the device's token, to send with its later logins (known-devices.ts). */
  deviceToken: string | null;
}

function refused(message: string): GraphQLError {
  return apiError("UNAUTHENTICATED", message);
}

/** A refresh refused: the caller has no session to go on with. */
const signedOut = (message: string) => refusal("UNAUTHENTICATED", message);

/** A refresh token rotated: the member, their session, and the token that replaces the one used. */
type Rotation = { user: UserRow; familyId: string; refreshToken: string };

type Tx = IdentityTx;

export class SessionsService {
  constructor(
    private readonly db: Database<typeof schema>,
    private readonly users: UsersService,
    private readonly config: Pick<Config, "auth" | "sessions" | "accounts">,
    /** Registrations, login attempts and refreshes per address (and per email, per session). */
    private readonly limits: RateLimiter,
    /** Tells the gateway a session ended, so its live connections close. */
    private readonly events: EventBus,
    /** A suspended member's tokens carry their suspension (issue 23): every subgraph refuses what they may not do without asking. */
    private readonly suspensions: { inForceFor(userIds: readonly string[]): Promise<SuspensionRow[]> },
  ) {}

  /** `clientAddress`: where the request came from, as the gateway saw it (rate limits). */
  async register(input: { email: string; password: string; displayName: string; handle?: string | null }, clientAddress: string | null): Promise<Session> {
    // Every attempt counts, refused ones too: probing which emails exist is limited as much.
    await this.limits.consume("REGISTER_PER_ADDRESS", address(clientAddress));
    const email = normaliseEmail(input.email);
    const displayName = normaliseDisplayName(input.displayName);
    const handle = input.handle == null ? null : normaliseHandle(input.handle);
    const problem =
      field("input.email", checkEmail(email)) ??
      field("input.password", checkPassword(input.password)) ??
      field("input.displayName", checkDisplayName(displayName)) ??
      field("input.handle", handle === null ? null : (handleProblem(handle)?.message ?? null));
    if (problem) throw badUserInput(problem.message, problem.field);

    const created = await this.users.create(email, input.password, displayName, handle);
    // register answers no payload: a taken email or handle is an error of its input.
    if (!created.ok) throw badUserInput(created.message, created.field ?? "input");
    return this.startSession(created.value, await signDeviceToken(this.config.auth.jwtSecret, created.value.id));
  }

  /**
   * Each attempt is counted before its password is checked, so N concurrent guesses get at most
   * the limit through. The count is per email *from one address*: a stranger's failures use up
   * the stranger's attempts, never the owner's. A correct password clears its own count.
   *
   * Guesses spread over many addresses meet the account's budget of failures
   * (LOGIN_FAILURES_PER_ACCOUNT, counted per email, registered or not): past it, a device not
   * known for the account waits longer after each attempt. A known device (the `deviceToken`
   * this account's earlier sign-in handed it) does not wait; its attempts count per device.
   */
  async login(input: { email: string; password: string; deviceToken?: string | null }, clientAddress: string | null): Promise<Session> {
    const problem = field("input.email", checkLoginEmail(input.email)) ?? field("input.password", checkLoginPassword(input.password));
    if (problem) throw badUserInput(problem.message, problem.field);
    const email = normaliseEmail(input.email);
    const guess = `${email}|${address(clientAddress)}`;
    await this.limits.consume("LOGIN_PER_ADDRESS", address(clientAddress));
    await this.limits.consume("LOGIN_PER_EMAIL_AND_ADDRESS", guess);
    const device = await this.knownDevice(email, input.deviceToken);
    const account = `email:${email}`;
    if (device) await this.limits.consume("LOGIN_PER_DEVICE", `device:${device.deviceId}`);
    else await this.limits.attemptWithin("LOGIN_FAILURES_PER_ACCOUNT", account, this.config.accounts.loginBackoff);
    const user = await this.users.authenticate(email, input.password);
    if (!user) throw refused("The email or password is wrong.");
    await this.limits.reset("LOGIN_PER_EMAIL_AND_ADDRESS", guess);
    if (device) await this.limits.reset("LOGIN_PER_DEVICE", `device:${device.deviceId}`);
    else await this.limits.release("LOGIN_FAILURES_PER_ACCOUNT", account);
    return this.startSession(user, await signDeviceToken(this.config.auth.jwtSecret, user.id, device?.deviceId));
  }

  /** The device its token names, when the token is ours and names the account `email` belongs to. */
  private async knownDevice(email: string, deviceToken: string | null | undefined) {
    const device = await readDeviceToken(this.config.auth.jwtSecret, deviceToken);
    if (!device) return null;
    const owner = await this.users.byEmail(email);
    return owner?.id === device.userId ? device : null;
  }

  /**
   * Rotates a refresh token. A token presented twice means it leaked (or a client raced
   * itself): the whole family is revoked and the caller must sign in again.
   */
  async refresh(token: string, clientAddress: string | null): Promise<Session> {
    await this.limits.consume("REFRESH_PER_ADDRESS", address(clientAddress));
    const [known] = await this.db
      .select({ familyId: refreshTokens.familyId })
      .from(refreshTokens)
      .where(eq(refreshTokens.tokenHash, digestOf(token)));
    if (known) await this.limits.consume("REFRESH_PER_SESSION", `session:${known.familyId}`);
    let revokedFamily = null as string | null; // set in the transaction when a reused token revoked its session
    const rotation = await this.db.transaction(async (tx): Promise<Outcome<Rotation>> => {
      const [row] = await tx
        .select()
        .from(refreshTokens)
        .where(eq(refreshTokens.tokenHash, digestOf(token)))
        .for("update");
      if (!row) return signedOut("The refresh token is not recognised.");
      if (row.revokedAt) return signedOut("This session has been signed out.");
      if (row.usedAt) {
        await revokeFamily(tx, row.familyId);
        revokedFamily = row.familyId;
        return signedOut("This refresh token was already used; the session has been revoked. Sign in again.");
      }
      if (row.expiresAt.getTime() <= Date.now()) return signedOut("The refresh token has expired. Sign in again.");
      await tx.update(refreshTokens).set({ usedAt: sql`now()` }).where(eq(refreshTokens.id, row.id));
      const [user] = await tx.select().from(users).where(eq(users.id, row.userId));
      if (!user || user.deletionRequestedAt) return signedOut("The account no longer exists.");
      const next = await this.storeRefreshToken(tx, user.id, row.familyId);
      return accepted({ user, familyId: row.familyId, refreshToken: next });
    });
    if (revokedFamily) await announceSessionsEnded(this.events, [revokedFamily], this.config.sessions.accessTokenTtlSeconds);
    // refreshSession answers no payload: a refused refresh is the caller's missing session.
    if (!rotation.ok) throw refused(rotation.message);
    return this.sessionFor(rotation.value.user, rotation.value.familyId, rotation.value.refreshToken, null);
  }

  /** Ends the session the access token belongs to: its refresh tokens stop working. */
  async logout(userId: string, sessionId: string): Promise<void> {
    await this.db
      .update(refreshTokens)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(refreshTokens.familyId, sessionId), eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
    await announceSessionsEnded(this.events, [sessionId], this.config.sessions.accessTokenTtlSeconds);
  }

  private async startSession(user: UserRow, deviceToken: string): Promise<Session> {
    const familyId = randomUUID();
    const refreshToken = await this.db.transaction((tx) => this.storeRefreshToken(tx, user.id, familyId));
    return this.sessionFor(user, familyId, refreshToken, deviceToken);
  }

  private async storeRefreshToken(tx: Tx, userId: string, familyId: string): Promise<string> {
    const { token, digest } = newRefreshToken();
    await tx.insert(refreshTokens).values({
      familyId,
      userId,
      tokenHash: digest,
      expiresAt: new Date(Date.now() + this.config.sessions.refreshTokenTtlSeconds * 1000),
    });
    return token;
  }

  private async sessionFor(user: UserRow, familyId: string, refreshToken: string, deviceToken: string | null): Promise<Session> {
    // Read after the session's row is written: a suspension that starts meanwhile ends this session too.
    const [suspended] = await this.suspensions.inForceFor([user.id]);
    const suspension = suspended ? { suspension: { until: suspended.until?.toISOString() ?? null } } : {};
    const { token } = await issueAccessToken(
      this.config.auth.jwtSecret,
      { userId: user.id, role: user.role, sessionId: familyId, ...suspension },
      this.config.sessions.accessTokenTtlSeconds,
    );
    return { sessionId: familyId, accessToken: token, refreshToken, user, deviceToken };
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
