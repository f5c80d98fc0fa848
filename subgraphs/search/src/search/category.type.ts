import { Directive, Field, ID, ObjectType } from "type-graphql";

/** The listings subgraph's entity: search names a category by id, the gateway fetches the rest. */
@ObjectType()
@Directive('@key(fields: "id", resolvable: false)')
export class Category {
  @Field(() => ID) id!: string;
}
