import { Directive, Field, ID, ObjectType } from "type-graphql";

/** The listings subgraph's entity; search only adds `similar`. Nodes are id-only references. */
@ObjectType()
@Directive('@key(fields: "id")')
export class Listing {
  @Field(() => ID) id!: string;
}
