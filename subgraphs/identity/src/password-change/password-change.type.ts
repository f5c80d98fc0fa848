import { Field, Int, ObjectType } from "type-graphql";
import { UserError } from "@localex/common";
import { User } from "../users/user.type.ts";

@ObjectType({ description: "The member whose password changed, or why it did not." })
export class ChangePasswordPayload {
  @Field(() => User, { nullable: true, description: "Null when refused." })
  user!: User | null;

  @Field(() => Int, { description: "How many of the member's other sessions were ended (signed out everywhere else)." })
  endedSessions!: number;

  @Field(() => [UserError], { description: "WRONG_PASSWORD (currentPassword), INVALID_INPUT (newPassword), PASSWORD_UNCHANGED (newPassword)." })
  errors!: UserError[];
}
