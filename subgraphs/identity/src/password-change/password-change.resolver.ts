import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import { requireCaller, userError } from "@localex/common";
import type { IdentityContext } from "../context.ts";
import { ChangePasswordPayload } from "./password-change.type.ts";

@Resolver()
export class PasswordChangeResolver {
  @Mutation(() => ChangePasswordPayload, {
    description: "Sets a new password, given the current one. Every other session of the member ends; this one goes on.",
  })
  async changePassword(
    @Arg("currentPassword", () => String) currentPassword: string,
    @Arg("newPassword", () => String, { description: "At least 10 characters." }) newPassword: string,
    @Ctx() ctx: IdentityContext,
  ): Promise<ChangePasswordPayload> {
    const caller = requireCaller(ctx.caller);
    const result = await ctx.services.passwordChange.changePassword(caller, currentPassword, newPassword);
    if (!result.ok) return { user: null, endedSessions: 0, errors: [userError(result.code, result.message, result.field)] };
    ctx.loaders.userById.clear(result.user.id).prime(result.user.id, result.user);
    return { user: result.user, endedSessions: result.endedSessions, errors: [] };
  }
}
