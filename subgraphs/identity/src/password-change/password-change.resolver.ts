import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import { accepted, andThen, requireCaller, toPayload } from "@localex/common";
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
    const changed = await andThen(await ctx.services.passwordChange.changePassword(caller, currentPassword, newPassword), (change) => {
      ctx.loaders.userById.clear(change.user.id).prime(change.user.id, change.user);
      return accepted(change);
    });
    const payload = toPayload(changed);
    // Refused: no member, and no session ended.
    return { ...payload, user: payload.user ?? null, endedSessions: payload.endedSessions ?? 0 };
  }
}
