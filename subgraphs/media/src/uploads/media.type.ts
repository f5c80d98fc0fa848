import { Directive, Field, ID, ObjectType } from "type-graphql";

@ObjectType({ description: "An uploaded file and its processed variants." })
@Directive('@key(fields: "id")')
export class Media {
  @Field(() => ID) id!: string;
}

@ObjectType({ description: "Background work (image processing, exports) and its progress." })
@Directive('@key(fields: "id")')
export class Job {
  @Field(() => ID) id!: string;
}
