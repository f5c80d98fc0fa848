import { Directive, Field, ID, ObjectType } from "type-graphql";

/** media's Job: identity hands out references (requestDataExport); media resolves every field. */
@ObjectType()
@Directive('@key(fields: "id", resolvable: false)')
export class Job {
  @Field(() => ID) id!: string;
}

/** media's Media: identity names a verification request's documents; media resolves them for their owner and admins only. */
@ObjectType()
@Directive('@key(fields: "id", resolvable: false)')
export class Media {
  @Field(() => ID) id!: string;
}

/** listings' Listing: identity names a reported listing (Report.listing); listings resolves every field. */
@ObjectType()
@Directive('@key(fields: "id", resolvable: false)')
export class Listing {
  @Field(() => ID) id!: string;
}
