import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import { userError } from "@localex/common";
import type { IdentityContext } from "../context.ts";
import { RequestPasswordResetPayload, ResetPasswordPayload } from "./password-reset.type.ts";

@Resolver()
export class PasswordResetResolver {
  @Mutation(() => RequestPasswordResetPayload, {
    description: "Mails a single-use link to reset the password (PASSWORD_RESET_TTL_SECONDS) if the email has an account; the answer is the same either way.",
  })
  async requestPasswordReset(@Arg("email", () => String) email: string, @Ctx() ctx: IdentityContext): Promise<RequestPasswordResetPayload> {
    await ctx.services.passwordReset.requestReset(email, ctx.clientAddress);
    return { accepted: true, errors: [] };
  }

  @Mutation(() => ResetPasswordPayload, {
    description: "Sets a new password with the token from the reset link (`<PUBLIC_APP_URL>/reset-password?token=…`). Every session ends, and a notice is mailed.",
  })
  async resetPassword(
    @Arg("token", () => String) token: string,
    @Arg("newPassword", () => String, { description: "At least 10 characters." }) newPassword: string,
    @Ctx() ctx: IdentityContext,
  ): Promise<ResetPasswordPayload> {
    const result = await ctx.services.passwordReset.resetPassword(token, newPassword);
    if (!result.ok) return { reset: false, errors: [userError(result.code, result.message, result.field)] };
    ctx.loaders.userById.clear(result.user.id);
    return { reset: true, errors: [] };
  }
}
