import { Directive, Field, ID, Int, ObjectType } from "type-graphql";

@ObjectType({ description: "What trades needs to know about a listing it names." })
@Directive("@inaccessible")
export class TradeListingInfo {
  @Field(() => ID) id!: string;
  @Field(() => ID) ownerId!: string;
  @Field(() => String, { description: "A ListingStatus name." }) status!: string;
  @Field(() => ID, { nullable: true, description: "The trade holding it (RESERVED) or that took it (TRADED)." })
  tradeId!: string | null;
  @Field(() => String, { description: "For trades' snapshot of what was offered." }) title!: string;
  @Field(() => String, { description: "An ItemCondition name." }) condition!: string;
  @Field(() => Int, { nullable: true }) creditPrice!: number | null;
  @Field(() => Boolean, {
    description: "Hidden by moderation (taken down, or its owner suspended): it cannot enter a new trade, whatever its status.",
  })
  hidden!: boolean;
}

@ObjectType({ description: "The outcome of reserving a trade's listings: all of them, or none." })
@Directive("@inaccessible")
export class ListingReservation {
  @Field(() => Boolean) ok!: boolean;
  @Field(() => [ID]) unavailableListingIds!: string[];
}

@ObjectType({ description: "The outcome of handing a trade's listings over: all of them, or none." })
@Directive("@inaccessible")
export class ListingHandOver {
  @Field(() => Boolean) ok!: boolean;
  @Field(() => Int, { description: "How many became TRADED now (0 on a replay)." }) completed!: number;
  @Field(() => [ID], { description: "Listings neither RESERVED nor already TRADED for this trade; nothing changed." })
  unavailableListingIds!: string[];
}

@ObjectType({ description: "A page of listing snapshots for search's full reindex." })
@Directive("@inaccessible")
export class ListingDocumentPage {
  @Field(() => [String], { description: "Each a JSON ListingDocument." }) documents!: string[];
  @Field(() => String, { nullable: true }) nextCursor!: string | null;
}
