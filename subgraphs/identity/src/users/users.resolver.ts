import { Arg, Ctx, Directive, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { accepted, andThen, auditReason, requireCaller, requireService, toPayload } from "@localex/common";
import type { IdentityContext } from "../context.ts";
import type { UserRow } from "../db/schema.ts";
import { announceSessionsEnded } from "../sessions/ended-sessions.ts";
import { currentAdmin, isCurrentAdmin } from "./current-admin.ts";
import { roleOf, setRole, type Role } from "./roles.ts";
import { ResendVerificationEmailPayload, UpdateProfileInput, User, UserPayload, UserRole, VerifyEmailPayload } from "./user.type.ts";

const REASON = "Why (1 to 1000 characters), kept in the admin audit log and shown to the member in their data export.";

@Resolver(() => User)
export class UsersResolver {
  @Query(() => User, { nullable: true, description: "The signed-in user, or null when signed out." })
  async me(@Ctx() ctx: IdentityContext): Promise<User | null> {
    if (!ctx.caller) return null;
    return ctx.loaders.userById.load(ctx.caller.userId);
  }

  @Query(() => User, { nullable: true })
  user(@Arg("id", () => ID) id: string, @Ctx() ctx: IdentityContext): Promise<User | null> {
    return ctx.loaders.userById.load(id);
  }

  @Query(() => User, {
    nullable: true,
    description:
      "The member with this handle (`@ann` or `ann`, any case); null when nobody has it, the member deleted their account, or is suspended (admins still find suspended members).",
  })
  async userByHandle(@Arg("handle", () => String) handle: string, @Ctx() ctx: IdentityContext): Promise<User | null> {
    const user = await ctx.services.users.byHandle(handle);
    if (!user || user.id === ctx.caller?.userId) return user;
    const [suspended] = await ctx.services.suspensions.inForceFor([user.id]);
    if (!suspended) return user;
    // As member lookup: a suspended member is found by admins only (their stored role).
    return (await isCurrentAdmin(ctx)) ? user : null;
  }

  @FieldResolver(() => String, { nullable: true, description: "The public handle, without the `@` (lower-case); null until chosen, and for a deleted member." })
  handle(@Root() user: User): string | null {
    return user.deletionRequestedAt ? null : user.handle;
  }

  @FieldResolver(() => String, { nullable: true, description: "What the member wrote about themself; null if nothing, and for a deleted member." })
  bio(@Root() user: User): string | null {
    return user.deletionRequestedAt ? null : user.bio;
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: "The coarse area the member trades in, as they put it; null if not given, and for a deleted member.",
  })
  area(@Root() user: User): string | null {
    return user.deletionRequestedAt ? null : user.area;
  }

  @FieldResolver(() => Date, { description: "When the member joined (registered)." })
  memberSince(@Root() user: User): Date {
    return user.createdAt;
  }

  @FieldResolver(() => String, { nullable: true, description: "Visible to the user themself and to admins only." })
  async email(@Root() user: User, @Ctx() ctx: IdentityContext): Promise<string | null> {
    return (await canSeePrivate(user, ctx)) ? user.email : null;
  }

  @FieldResolver(() => Boolean, {
    description: 'The member deleted their account: the profile is anonymised (displayName "Deleted member"); trades and postings that name them remain.',
  })
  deleted(@Root() user: User): boolean {
    // From the moment deletion is accepted (it cannot be undone), so nobody starts anything new with them.
    return user.deletionRequestedAt !== null;
  }

  @FieldResolver(() => UserRole, { nullable: true, description: "Visible to the user themself and to admins only." })
  async role(@Root() user: User, @Ctx() ctx: IdentityContext): Promise<UserRole | null> {
    return (await canSeePrivate(user, ctx)) ? (user.role as UserRole) : null;
  }

  @Mutation(() => UserPayload, { description: "Changes only the fields given." })
  async updateProfile(@Arg("input", () => UpdateProfileInput) input: UpdateProfileInput, @Ctx() ctx: IdentityContext): Promise<UserPayload> {
    const caller = requireCaller(ctx.caller);
    const updated = await andThen(await ctx.services.users.updateProfile(caller.userId, input), (user) => accepted(primed(ctx, user)));
    return toPayload(updated, "user");
  }

  @Mutation(() => VerifyEmailPayload, {
    description:
      "Verifies the member's email address with the token from the link mailed at registration (`?token=`); works once, signed in or not. Starts the welcome grant.",
  })
  async verifyEmail(@Arg("token", () => String) token: string, @Ctx() ctx: IdentityContext): Promise<VerifyEmailPayload> {
    const verified = await andThen(await ctx.services.verification.verify(token), (user) => accepted(primed(ctx, user)));
    return toPayload(verified, "user");
  }

  @Mutation(() => ResendVerificationEmailPayload, {
    description: "Mails the signed-in member a new verification link (a few times an hour at most).",
  })
  async resendVerificationEmail(@Ctx() ctx: IdentityContext): Promise<ResendVerificationEmailPayload> {
    const caller = requireCaller(ctx.caller);
    const resent = await ctx.services.verification.resend(caller.userId);
    return { ...toPayload(resent, "sent"), sent: resent.ok }; // non-null: false when refused
  }

  @Mutation(() => UserPayload, {
    description: "Admins only: makes a member an admin. Their sessions end at once: they sign in again to act with the role.",
  })
  grantAdmin(
    @Arg("userId", () => ID) userId: string,
    @Arg("reason", () => String, { nullable: true, description: REASON }) reason: string | null,
    @Ctx() ctx: IdentityContext,
  ): Promise<UserPayload> {
    return this.changeRole(ctx, userId, "admin", reason ?? null);
  }

  @Mutation(() => UserPayload, {
    description:
      "Admins only: takes the admin role from a member (yourself included), unless they are the last admin. Their sessions end at once, so no token of theirs keeps the role.",
  })
  revokeAdmin(
    @Arg("userId", () => ID) userId: string,
    @Arg("reason", () => String, { nullable: true, description: REASON }) reason: string | null,
    @Ctx() ctx: IdentityContext,
  ): Promise<UserPayload> {
    return this.changeRole(ctx, userId, "user", reason ?? null);
  }

  @Query(() => UserRole, {
    nullable: true,
    description:
      "The member's role as stored now (null for no such member): what a token's role claim, up to one access-token lifetime old, is checked against.",
  })
  @Directive("@inaccessible")
  async memberRole(@Arg("userId", () => ID) userId: string, @Ctx() ctx: IdentityContext): Promise<UserRole | null> {
    requireService(ctx.caller, "Query.memberRole");
    return (await roleOf(ctx.services.db, userId)) as UserRole | null;
  }

  private async changeRole(ctx: IdentityContext, userId: string, role: Role, rawReason: string | null): Promise<UserPayload> {
    // The token's role may be up to one access-token lifetime old: a revoked admin is stopped here at once.
    const caller = await currentAdmin(ctx);
    const changed = await andThen(auditReason(rawReason), async (reason) =>
      andThen(await setRole(ctx.services.db, { userId }, role, { admin: caller.userId, reason }), async ({ user, endedSessions }) => {
        await announceSessionsEnded(ctx.services.events, endedSessions, ctx.services.accessTokenTtlSeconds);
        return accepted(primed(ctx, user));
      }),
    );
    return toPayload(changed, "user");
  }
}

/** The rest of this request reads the member as just written. */
function primed(ctx: IdentityContext, user: UserRow): UserRow {
  ctx.loaders.userById.clear(user.id).prime(user.id, user);
  return user;
}

/**
 * The member themself, or an admin whose role is still stored: a token's role claim can be one
 * access-token lifetime old, and a revocation can fail to reach a gateway (`pnpm admin revoke`),
 * so another member's private fields ask the database (once per request, through the loader).
 */
async function canSeePrivate(user: User, ctx: IdentityContext): Promise<boolean> {
  if (ctx.caller === null) return false;
  if (ctx.caller.userId === user.id) return true;
  if (ctx.caller.role !== "admin") return false;
  return (await ctx.loaders.userById.load(ctx.caller.userId))?.role === "admin";
}
