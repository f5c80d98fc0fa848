import { Directive, Field, ID, ObjectType } from "type-graphql";

@ObjectType({ description: "An item offered on the exchange." })
@Directive('@key(fields: "id")')
export class Listing {
  @Field(() => ID) id!: string;
}
