import { Field, ObjectType } from "type-graphql";
import { UserError } from "@localex/common";

@ObjectType({ description: "The same answer whether or not the email has an account." })
export class RequestPasswordResetPayload {
  @Field(() => Boolean, { description: "Always true: if the email has an account, a link is on its way." })
  accepted!: boolean;

  @Field(() => [UserError])
  errors!: UserError[];
}

@ObjectType()
export class ResetPasswordPayload {
  @Field(() => Boolean, { description: "Whether the password was set. Every session of the member has ended: sign in with the new password." })
  reset!: boolean;

  @Field(() => [UserError], {
    description: "PASSWORD_RESET_TOKEN_INVALID, PASSWORD_RESET_TOKEN_EXPIRED, PASSWORD_RESET_TOKEN_USED (token); INVALID_INPUT (newPassword).",
  })
  errors!: UserError[];
}
