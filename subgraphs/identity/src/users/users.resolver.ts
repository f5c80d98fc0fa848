import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { requireCaller, userError } from "@localex/common";
import type { IdentityContext } from "../context.ts";
import { UpdateProfileInput, User, UserPayload, UserRole } from "./user.type.ts";

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

  @FieldResolver(() => String, { nullable: true, description: "Visible to the user themself and to admins only." })
  email(@Root() user: User, @Ctx() ctx: IdentityContext): string | null {
    return canSeePrivate(user, ctx) ? user.email : null;
  }

  @FieldResolver(() => UserRole, { nullable: true, description: "Visible to the user themself and to admins only." })
  role(@Root() user: User, @Ctx() ctx: IdentityContext): UserRole | null {
    return canSeePrivate(user, ctx) ? (user.role as UserRole) : null;
  }

  @Mutation(() => UserPayload, { description: "Changes only the fields given." })
  async updateProfile(
    @Arg("input", () => UpdateProfileInput) input: UpdateProfileInput,
    @Ctx() ctx: IdentityContext,
  ): Promise<UserPayload> {
    const caller = requireCaller(ctx.caller);
    const result = await ctx.services.users.updateProfile(caller.userId, input);
    if (!result.ok) return { user: null, errors: [userError(result.code, result.message, result.field)] };
    ctx.loaders.userById.clear(caller.userId).prime(caller.userId, result.user);
    return { user: result.user, errors: [] };
  }
}

function canSeePrivate(user: User, ctx: IdentityContext): boolean {
  return ctx.caller !== null && (ctx.caller.userId === user.id || ctx.caller.role === "admin");
}
