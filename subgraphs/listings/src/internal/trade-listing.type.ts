import { Directive, Field, ID, ObjectType } from "type-graphql";

@ObjectType({ description: "What trades needs to know about a listing it names." })
@Directive("@inaccessible")
export class TradeListingInfo {
  @Field(() => ID) id!: string;
  @Field(() => ID) ownerId!: string;
  @Field(() => String, { description: "A ListingStatus name." }) status!: string;
}

@ObjectType({ description: "The outcome of reserving a trade's listings: all of them, or none." })
@Directive("@inaccessible")
export class ListingReservation {
  @Field(() => Boolean) ok!: boolean;
  @Field(() => [ID]) unavailableListingIds!: string[];
}

@ObjectType({ description: "A page of listing snapshots for search's full reindex." })
@Directive("@inaccessible")
export class ListingDocumentPage {
  @Field(() => [String], { description: "Each a JSON ListingDocument." }) documents!: string[];
  @Field(() => String, { nullable: true }) nextCursor!: string | null;
}
