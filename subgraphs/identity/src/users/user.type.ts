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
  @Field(() => Boolean, { description: "Whether the user has verified their email address." }) verified!: boolean;
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
