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
    description: "Whether an admin has checked the member's documents and approved them (requestVerification). False for a deleted member.",
  })
  verified!: boolean;
  @Field(() => Boolean, {
    description: "Whether the member's email address is verified (verifyEmail, with the link mailed at registration); the welcome credits follow it.",
  })
  emailVerified!: boolean;
  /** handle, bio and area: resolved by field resolvers that hide a departing member's. */
  handle!: string | null;
  bio!: string | null;
  area!: string | null;
  deletedAt!: Date | null;
  deletionRequestedAt!: Date | null;
  @Field(() => Date) createdAt!: Date;
}

@InputType()
export class UpdateProfileInput {
  @Field(() => String, { nullable: true, description: "1 to 60 characters." })
  displayName?: string | null;
  @Field(() => String, {
    nullable: true,
    description:
      "Your public handle (`@ann` or `ann`): 3 to 20 letters a-z, digits or underscores, unique whatever the case, reserved words refused. Your old handle is free for others from then on.",
  })
  handle?: string | null;
  @Field(() => String, { nullable: true, description: "A few words about you, up to 500 characters (line breaks kept); empty removes it." })
  bio?: string | null;
  @Field(() => String, { nullable: true, description: 'The area you trade in, as coarse as you like ("Utrecht Oost"), up to 80 characters; empty removes it.' })
  area?: string | null;
}

@ObjectType()
export class UserPayload {
  @Field(() => User, { nullable: true }) user!: User | null;
  @Field(() => [UserError], { description: "INVALID_INPUT (the field named), HANDLE_TAKEN, HANDLE_RESERVED (input.handle)." }) errors!: UserError[];
}

@ObjectType()
export class VerifyEmailPayload {
  @Field(() => User, { nullable: true, description: "The member whose address is now verified; null when refused." })
  user!: User | null;
  @Field(() => [UserError], {
    description:
      "VERIFICATION_TOKEN_INVALID (not a link we sent, or for another address), VERIFICATION_TOKEN_EXPIRED (ask for a new one), VERIFICATION_TOKEN_USED (the address is already verified).",
  })
  errors!: UserError[];
}

@ObjectType()
export class ResendVerificationEmailPayload {
  @Field(() => Boolean, { description: "True when a new link is on its way." }) sent!: boolean;
  @Field(() => [UserError], { description: "ALREADY_VERIFIED when there is nothing to verify." }) errors!: UserError[];
}
