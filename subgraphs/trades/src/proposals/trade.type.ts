import { Directive, Field, ID, ObjectType } from "type-graphql";

@ObjectType({ description: "A proposed exchange of listings and credits between two users." })
@Directive('@key(fields: "id")')
export class Trade {
  @Field(() => ID) id!: string;
}
