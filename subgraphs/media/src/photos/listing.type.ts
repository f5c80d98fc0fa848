import { Directive, Field, ID, ObjectType } from "type-graphql";

/** listings' Listing, extended with its photos. */
@ObjectType()
@Directive('@key(fields: "id")')
export class Listing {
  @Field(() => ID) id!: string;
}
