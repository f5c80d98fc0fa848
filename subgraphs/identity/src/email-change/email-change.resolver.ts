import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import { accepted, andThen, requireCaller, toPayload } from "@localex/common";
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
    const requested = await ctx.services.emailChange.request(caller.userId, newEmail, password);
    return { ...toPayload(requested, "pendingEmail"), accepted: requested.ok }; // non-null: false when refused
  }

  @Mutation(() => ConfirmEmailChangePayload, {
    description:
      "Confirms a change of email address with the token from the link mailed to the new address (`<PUBLIC_APP_URL>/confirm-email-change?token=…`); works once, signed in or not.",
  })
  async confirmEmailChange(@Arg("token", () => String) token: string, @Ctx() ctx: IdentityContext): Promise<ConfirmEmailChangePayload> {
    const confirmed = await andThen(await ctx.services.emailChange.confirm(token), (user) => {
      ctx.loaders.userById.clear(user.id).prime(user.id, user);
      return accepted(user);
    });
    return toPayload(confirmed, "user");
  }

  @Mutation(() => UndoEmailChangePayload, {
    description:
      "Undoes a change of email address with the token from the notice mailed to the old address (`<PUBLIC_APP_URL>/undo-email-change?token=…`): the old address is the account's again, a change still pending is cancelled, and every session ends. Works once, signed in or not.",
  })
  async undoEmailChange(@Arg("token", () => String) token: string, @Ctx() ctx: IdentityContext): Promise<UndoEmailChangePayload> {
    const undone = await andThen(await ctx.services.emailChange.undo(token), (user) => {
      ctx.loaders.userById.clear(user.id);
      return accepted(true);
    });
    return { ...toPayload(undone, "undone"), undone: undone.ok }; // non-null: false when refused
  }
}
