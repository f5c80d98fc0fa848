import { Directive, Field, ID, ObjectType } from "type-graphql";

/** identity's User, extended with their avatar. */
@ObjectType()
@Directive('@key(fields: "id")')
export class User {
  @Field(() => ID) id!: string;
}
