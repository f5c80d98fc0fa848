import { Field, InputType, ObjectType } from "type-graphql";
import { User } from "../users/user.type.ts";

@InputType()
export class RegisterInput {
  @Field(() => String) email!: string;
  @Field(() => String, { description: "At least 10 characters." }) password!: string;
  @Field(() => String, { description: "1 to 60 characters." }) displayName!: string;
  @Field(() => String, {
    nullable: true,
    description:
      "A public handle to be found and paid by (`@ann`): 3 to 20 letters a-z, digits or underscores, unique whatever the case; may be chosen later with updateProfile.",
  })
  handle?: string | null;
}

@InputType()
export class LoginInput {
  @Field(() => String) email!: string;
  @Field(() => String) password!: string;
  @Field(() => String, {
    nullable: true,
    description:
      "The deviceToken an earlier register or login of this account returned on this device: a known device signs in while strangers guessing the account wait.",
  })
  deviceToken?: string | null;
}

@ObjectType()
export class AuthPayload {
  @Field(() => String, { description: "A short-lived JWT for the Authorization header: `Bearer <token>`." })
  accessToken!: string;
  @Field(() => String, { description: "Single-use; exchange it with refreshSession for a new pair." })
  refreshToken!: string;
  @Field(() => User) user!: User;
  @Field(() => String, {
    nullable: true,
    description: "From register and login (null from refreshSession): keep it on this device and send it with its later logins (LoginInput.deviceToken).",
  })
  deviceToken!: string | null;
}
