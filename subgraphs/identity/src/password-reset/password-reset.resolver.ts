import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import { accepted, andThen, toPayload } from "@localex/common";
import type { IdentityContext } from "../context.ts";
import { RequestPasswordResetPayload, ResetPasswordPayload } from "./password-reset.type.ts";

@Resolver()
export class PasswordResetResolver {
  @Mutation(() => RequestPasswordResetPayload, {
    description: "Mails a single-use link to reset the password (PASSWORD_RESET_TTL_SECONDS) if the email has an account; the answer is the same either way.",
  })
  async requestPasswordReset(@Arg("email", () => String) email: string, @Ctx() ctx: IdentityContext): Promise<RequestPasswordResetPayload> {
    const requested = await ctx.services.passwordReset.requestReset(email, ctx.clientAddress);
    // `accepted` is non-null: whether the outcome was (always, so nobody learns who is a member).
    return { ...toPayload(requested, "accepted"), accepted: requested.ok };
  }

  @Mutation(() => ResetPasswordPayload, {
    description:
      "Sets a new password with the token from the reset link (`<PUBLIC_APP_URL>/reset-password?token=…`). Every session ends, and a notice is mailed.",
  })
  async resetPassword(
    @Arg("token", () => String) token: string,
    @Arg("newPassword", () => String, { description: "At least 10 characters." }) newPassword: string,
    @Ctx() ctx: IdentityContext,
  ): Promise<ResetPasswordPayload> {
    const reset = await andThen(await ctx.services.passwordReset.resetPassword(token, newPassword), (user) => {
      ctx.loaders.userById.clear(user.id);
      return accepted(true);
    });
    return { ...toPayload(reset, "reset"), reset: reset.ok }; // non-null: false when refused
  }
}
