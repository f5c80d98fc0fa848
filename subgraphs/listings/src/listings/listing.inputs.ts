import { Field, Float, ID, InputType, Int } from "type-graphql";
import { ItemCondition, ListingStatus } from "./listing.type.ts";

@InputType()
export class GeoPointInput {
  @Field(() => Float, { description: "-90 to 90." }) lat!: number;
  @Field(() => Float, { description: "-180 to 180." }) lon!: number;
}

@InputType()
export class ListingAttributeInput {
  @Field(() => String, { description: "One of the category's allowedAttributes." }) key!: string;
  @Field(() => String, { description: "1 to 200 characters." }) value!: string;
}

@InputType()
export class CreateListingInput {
  @Field(() => String, { description: "1 to 120 characters." }) title!: string;
  @Field(() => String, { description: "At most 5000 characters." }) description!: string;
  @Field(() => ID) categoryId!: string;
  @Field(() => ItemCondition) condition!: ItemCondition;
  @Field(() => Int, { nullable: true, description: "0 to 1 000 000 credits; null for items only." })
  creditPrice?: number | null;
  @Field(() => GeoPointInput, { nullable: true }) location?: GeoPointInput | null;
  @Field(() => [ListingAttributeInput], { nullable: true, description: "Keys the category allows, each once; at most 20." })
  attributes?: ListingAttributeInput[] | null;
}

@InputType({ description: "Only the fields given change; null clears creditPrice and location and leaves the others." })
export class UpdateListingInput {
  @Field(() => String, { nullable: true }) title?: string | null;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => ID, { nullable: true }) categoryId?: string | null;
  @Field(() => ItemCondition, { nullable: true }) condition?: ItemCondition | null;
  @Field(() => Int, { nullable: true }) creditPrice?: number | null;
  @Field(() => GeoPointInput, { nullable: true }) location?: GeoPointInput | null;
  @Field(() => [ListingAttributeInput], { nullable: true, description: "Replaces all attributes; at most 20." })
  attributes?: ListingAttributeInput[] | null;
}

@InputType({ description: "Other people's listings are listed only when ACTIVE; your own in any status." })
export class ListingFilter {
  @Field(() => [ID], { nullable: true, description: "Any of these categories; at most 100, empty means any." })
  categoryIds?: string[] | null;
  @Field(() => [ItemCondition], { nullable: true, description: "Any of these conditions; at most 100, empty means any." })
  conditions?: ItemCondition[] | null;
  @Field(() => ListingStatus, { nullable: true, description: "ACTIVE unless ownerId is you (then any)." })
  status?: ListingStatus | null;
  @Field(() => ID, { nullable: true }) ownerId?: string | null;
  @Field(() => Int, { nullable: true, description: "Only listings priced at most this many credits." })
  maxCredits?: number | null;
}
