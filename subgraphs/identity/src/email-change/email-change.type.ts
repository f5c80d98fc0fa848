import { Field, ObjectType } from "type-graphql";
import { UserError } from "@localex/common";
import { User } from "../users/user.type.ts";

@ObjectType({
  description: "Whether the change was asked for: a confirmation link is on its way to the new address, and a notice with an undo link to the current one.",
})
export class ChangeEmailPayload {
  @Field(() => Boolean, { description: "True when the links are on their way; the address changes only once the new one confirms." })
  accepted!: boolean;

  @Field(() => String, { nullable: true, description: "The address waiting for confirmation (as it will be stored); null when refused." })
  pendingEmail!: string | null;

  @Field(() => [UserError], {
    description: "WRONG_PASSWORD (password); INVALID_INPUT, EMAIL_UNCHANGED, EMAIL_TAKEN (newEmail; said only once the password is right).",
  })
  errors!: UserError[];
}

@ObjectType()
export class ConfirmEmailChangePayload {
  @Field(() => User, { nullable: true, description: "The member, at the new address (verified); null when refused." })
  user!: User | null;

  @Field(() => [UserError], {
    description:
      "EMAIL_CHANGE_TOKEN_INVALID, EMAIL_CHANGE_TOKEN_EXPIRED, EMAIL_CHANGE_TOKEN_USED (also: undone or replaced), EMAIL_TAKEN (someone took the address since); field `token`.",
  })
  errors!: UserError[];
}

@ObjectType()
export class UndoEmailChangePayload {
  @Field(() => Boolean, {
    description:
      "Whether the old address is the account's again. Every session has ended: sign in again (and reset the password if it was changed behind your back).",
  })
  undone!: boolean;

  @Field(() => [UserError], {
    description: "EMAIL_CHANGE_TOKEN_INVALID, EMAIL_CHANGE_TOKEN_EXPIRED, EMAIL_CHANGE_TOKEN_USED, EMAIL_TAKEN; field `token`.",
  })
  errors!: UserError[];
}
