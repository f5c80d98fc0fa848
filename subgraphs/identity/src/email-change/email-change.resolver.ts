import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import { requireCaller, userError } from "@localex/common";
import type { IdentityContext } from "../context.ts";
import { ChangeEmailPayload, ConfirmEmailChangePayload, UndoEmailChangePayload } from "./email-change.type.ts";

@Resolver()
export class EmailChangeResolver {
  @Mutation(() => ChangeEmailPayload, {
    description:
      "Asks to change the signed-in member's email address, given the password: mails a confirmation link to the new address (EMAIL_CHANGE_TTL_SECONDS) and a notice with an undo link to the current one (EMAIL_CHANGE_UNDO_TTL_SECONDS). The address changes only on confirmation; a newer request replaces a pending one.",
  })
  async changeEmail(
    @Arg("newEmail", () => String) newEmail: string,
    @Arg("password", () => String) password: string,
    @Ctx() ctx: IdentityContext,
  ): Promise<ChangeEmailPayload> {
    const caller = requireCaller(ctx.caller);
    const result = await ctx.services.emailChange.request(caller.userId, newEmail, password);
    if (!result.ok) return { accepted: false, pendingEmail: null, errors: [userError(result.code, result.message, result.field)] };
    return { accepted: true, pendingEmail: result.pendingEmail, errors: [] };
  }

  @Mutation(() => ConfirmEmailChangePayload, {
    description: "Confirms a change of email address with the token from the link mailed to the new address (`<PUBLIC_APP_URL>/confirm-email-change?token=…`); works once, signed in or not.",
  })
  async confirmEmailChange(@Arg("token", () => String) token: string, @Ctx() ctx: IdentityContext): Promise<ConfirmEmailChangePayload> {
    const result = await ctx.services.emailChange.confirm(token);
    if (!result.ok) return { user: null, errors: [userError(result.code, result.message, result.field)] };
    ctx.loaders.userById.clear(result.user.id).prime(result.user.id, result.user);
    return { user: result.user, errors: [] };
  }

  @Mutation(() => UndoEmailChangePayload, {
    description:
      "Undoes a change of email address with the token from the notice mailed to the old address (`<PUBLIC_APP_URL>/undo-email-change?token=…`): the old address is the account's again, a change still pending is cancelled, and every session ends. Works once, signed in or not.",
  })
  async undoEmailChange(@Arg("token", () => String) token: string, @Ctx() ctx: IdentityContext): Promise<UndoEmailChangePayload> {
    const result = await ctx.services.emailChange.undo(token);
    if (!result.ok) return { undone: false, errors: [userError(result.code, result.message, result.field)] };
    ctx.loaders.userById.clear(result.user.id);
    return { undone: true, errors: [] };
  }
}
