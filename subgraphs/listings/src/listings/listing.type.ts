import { Directive, Field, Float, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { ConnectionType, UserError, type ItemConditionName, type ListingStatusName } from "@localex/common";

export enum ItemCondition {
  NEW = "NEW",
  LIKE_NEW = "LIKE_NEW",
  GOOD = "GOOD",
  FAIR = "FAIR",
  POOR = "POOR",
}
registerEnumType(ItemCondition, { name: "ItemCondition" });

export enum ListingStatus {
  DRAFT = "DRAFT",
  ACTIVE = "ACTIVE",
  RESERVED = "RESERVED",
  TRADED = "TRADED",
  ARCHIVED = "ARCHIVED",
}
registerEnumType(ListingStatus, {
  name: "ListingStatus",
  description: "DRAFT → ACTIVE (publishListing) → RESERVED (a trade accepted) → TRADED; ARCHIVED from DRAFT or ACTIVE (not while a trade holds it).",
});

@ObjectType({ description: "A point on Earth, WGS 84 degrees." })
export class GeoPoint {
  @Field(() => Float) lat!: number;
  @Field(() => Float) lon!: number;
}

@ObjectType({ description: "A detail of a listing, e.g. `size: M`; the category decides which keys are allowed." })
export class ListingAttribute {
  @Field(() => String) key!: string;
  @Field(() => String) value!: string;
}

@ObjectType({ description: "An item offered on the exchange." })
@Directive('@key(fields: "id")')
export class Listing {
  @Field(() => ID) id!: string;
  @Field(() => String) title!: string;
  @Field(() => String) description!: string;
  @Field(() => ItemCondition) condition!: ItemConditionName;
  @Field(() => ListingStatus) status!: ListingStatusName;
  @Field(() => Int, { nullable: true, description: "The price in credits; null when offered for items only." })
  creditPrice!: number | null;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date) updatedAt!: Date;
  // Resolved by field resolvers (category, location, attributes, owner) from these columns.
  ownerId!: string;
  categoryId!: string;
  lat!: number | null;
  lon!: number | null;
  attributes!: Record<string, string>;
  tradeId!: string | null;
  version!: number;
  createKey!: string | null;
  createFingerprint!: string | null;
  // Moderation (src/moderation/): shown to the owner and admins through `moderation`.
  takenDownAt!: Date | null;
  takenDownReason!: string | null;
  takenDownReportId!: string | null;
  ownerSuspendedAt!: Date | null;
}

/** identity's user, extended with the listings they own. */
@ObjectType()
@Directive('@key(fields: "id")')
export class User {
  @Field(() => ID) id!: string;
}

@ObjectType()
export class ListingConnection extends ConnectionType("Listing", Listing) {}

@ObjectType()
export class ListingPayload {
  @Field(() => Listing, { nullable: true }) listing!: Listing | null;
  @Field(() => [UserError]) errors!: UserError[];
}
