import { Directive, Field, ID, InputType, ObjectType, registerEnumType } from "type-graphql";
import { UserError } from "@localex/common";

export enum UserRole {
  USER = "user",
  ADMIN = "admin",
}
registerEnumType(UserRole, { name: "UserRole" });

@ObjectType({ description: "A member of the exchange." })
@Directive('@key(fields: "id")')
export class User {
  @Field(() => ID) id!: string;
  @Field(() => String) displayName!: string;
  /** Resolved by a field resolver that shows it to its owner and admins only. */
  email!: string;
  role!: "user" | "admin";
  @Field(() => Boolean, {
    description: "Whether the member has verified their email address (verifyEmail, with the link mailed at registration). The welcome credits follow verification.",
  })
  verified!: boolean;
  @Field(() => Date) createdAt!: Date;
}

@InputType()
export class UpdateProfileInput {
  @Field(() => String, { nullable: true, description: "1 to 60 characters." })
  displayName?: string | null;
}

@ObjectType()
export class UserPayload {
  @Field(() => User, { nullable: true }) user!: User | null;
  @Field(() => [UserError]) errors!: UserError[];
}

@ObjectType()
export class VerifyEmailPayload {
  @Field(() => User, { nullable: true, description: "The member whose address is now verified; null when refused." })
  user!: User | null;
  @Field(() => [UserError], {
    description: "VERIFICATION_TOKEN_INVALID (not a link we sent, or for another address), VERIFICATION_TOKEN_EXPIRED (ask for a new one), VERIFICATION_TOKEN_USED (the address is already verified).",
  })
  errors!: UserError[];
}

@ObjectType()
export class ResendVerificationEmailPayload {
  @Field(() => Boolean, { description: "True when a new link is on its way." }) sent!: boolean;
  @Field(() => [UserError], { description: "ALREADY_VERIFIED when there is nothing to verify." }) errors!: UserError[];
}
