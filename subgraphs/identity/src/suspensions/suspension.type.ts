import { Field, ObjectType } from "type-graphql";
import { UserError } from "@localex/common";
import { User } from "../users/user.type.ts";

@ObjectType({
  description: "A member's suspension: while it lasts they can sign in and read, but not list, trade or send credits. Seen by the member and admins only.",
})
export class Suspension {
  @Field(() => String, { description: "Why, as the admin put it." }) reason!: string;
  @Field(() => Date, { nullable: true, description: "When it ends by itself; null: until an administrator reinstates the member." })
  until!: Date | null;
  @Field(() => Date, { description: "When it started." }) createdAt!: Date;
  @Field(() => Date, { nullable: true, description: "When an administrator lifted it (reinstateMember, or a newer suspension); null while not lifted." })
  liftedAt!: Date | null;
}

@ObjectType()
export class SuspensionPayload {
  @Field(() => User, { nullable: true, description: "The member suspended or reinstated; null when refused." }) user!: User | null;
  @Field(() => Suspension, { nullable: true, description: "The suspension stored, or the one lifted." }) suspension!: Suspension | null;
  @Field(() => [UserError], {
    description:
      "NOT_FOUND (userId), INVALID_INPUT (reason: 1 to 500 characters; until: in the future), CANNOT_SUSPEND (yourself, or an admin), NOT_SUSPENDED (reinstating a member who is not suspended).",
  })
  errors!: UserError[];
}
