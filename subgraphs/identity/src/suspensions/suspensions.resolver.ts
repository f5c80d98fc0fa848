import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from "type-graphql";
import { andThen, accepted, toPayload } from "@localex/common";
import type { IdentityContext } from "../context.ts";
import type { SuspensionRow, UserRow } from "../db/schema.ts";
import { User } from "../users/user.type.ts";
import { currentAdmin } from "../users/current-admin.ts";
import type { SuspensionChange } from "./suspensions.service.ts";
import { Suspension, SuspensionPayload } from "./suspension.type.ts";

@Resolver(() => User)
export class SuspensionsResolver {
  @Mutation(() => SuspensionPayload, {
    description:
      "Admins only: suspends a member, until `until` or (without it) until reinstated. Their sessions end at once; their listings are hidden; they are told why and until when (never by whom). Suspending a suspended member replaces the suspension.",
  })
  async suspendMember(
    @Arg("userId", () => ID) userId: string,
    @Arg("reason", () => String) reason: string,
    @Arg("until", () => Date, { nullable: true }) until: Date | null,
    @Ctx() ctx: IdentityContext,
  ): Promise<SuspensionPayload> {
    const admin = await currentAdmin(ctx);
    const done = await ctx.services.suspensions.suspend({ adminId: admin.userId, userId, reason, until: until ?? null });
    return payloadOf(toPayload(await andThen(done, (change) => accepted(primed(ctx, change)))));
  }

  @Mutation(() => SuspensionPayload, {
    description: "Admins only: lifts a member's suspension now. Their sessions end (they sign in again); their listings come back; they are told.",
  })
  async reinstateMember(@Arg("userId", () => ID) userId: string, @Ctx() ctx: IdentityContext): Promise<SuspensionPayload> {
    const admin = await currentAdmin(ctx);
    const done = await ctx.services.suspensions.reinstate(admin.userId, userId);
    return payloadOf(toPayload(await andThen(done, (change) => accepted(primed(ctx, change)))));
  }

  @FieldResolver(() => Suspension, {
    nullable: true,
    description: "The member's suspension in force, if any: visible to the member themself and to admins only (null for others).",
  })
  async suspension(@Root() user: User, @Ctx() ctx: IdentityContext): Promise<SuspensionRow | null> {
    if (!ctx.caller) return null;
    if (ctx.caller.userId !== user.id) {
      if (ctx.caller.role !== "admin" || (await ctx.loaders.userById.load(ctx.caller.userId))?.role !== "admin") return null;
    }
    return ctx.loaders.suspensionOf.load(user.id);
  }
}

/** The rest of the request reads the member and their suspension as just written. */
function primed(ctx: IdentityContext, change: SuspensionChange): { user: UserRow; suspension: SuspensionRow } {
  ctx.loaders.userById.clear(change.user.id).prime(change.user.id, change.user);
  ctx.loaders.suspensionOf.clear(change.user.id).prime(change.user.id, change.suspension.liftedAt ? null : change.suspension);
  return change;
}

/** Refused: neither a member nor a suspension to show. */
function payloadOf(payload: Partial<SuspensionPayload> & Pick<SuspensionPayload, "errors">): SuspensionPayload {
  return { ...payload, user: payload.user ?? null, suspension: payload.suspension ?? null };
}
