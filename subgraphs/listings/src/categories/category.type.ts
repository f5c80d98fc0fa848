import { Field, ID, ObjectType } from "type-graphql";

@ObjectType({ description: "What kind of thing a listing is; a fixed list, each allowing its own attribute keys." })
export class Category {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: "Stable, URL-safe name, e.g. `furniture`." }) slug!: string;
  @Field(() => String) name!: string;
  @Field(() => [String], { description: "The attribute keys a listing in this category may carry." })
  allowedAttributes!: string[];
}
