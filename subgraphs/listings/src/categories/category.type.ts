import { Directive, Field, ID, ObjectType } from "type-graphql";

@ObjectType({ description: "What kind of thing a listing is; a fixed list, each allowing its own attribute keys." })
// An entity, so search facets can name a category by id and the gateway fetches it from here.
@Directive('@key(fields: "id")')
export class Category {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: "Stable, URL-safe name, e.g. `furniture`." }) slug!: string;
  @Field(() => String) name!: string;
  @Field(() => [String], { description: "The attribute keys a listing in this category may carry." })
  allowedAttributes!: string[];
}
