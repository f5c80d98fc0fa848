import { Field, ID, ObjectType, registerEnumType } from "type-graphql";

export enum ListingModerationState {
  TAKEN_DOWN = "TAKEN_DOWN",
  OWNER_SUSPENDED = "OWNER_SUSPENDED",
}
registerEnumType(ListingModerationState, {
  name: "ListingModerationState",
  description:
    "Why only its owner and admins see a listing: TAKEN_DOWN, an administrator took it down after a report (until restoreListing); " +
    "OWNER_SUSPENDED, its owner's account is suspended (until reinstated). A listing can be both: TAKEN_DOWN is told, since it outlasts a reinstatement.",
});

@ObjectType({ description: "Why a listing is hidden from everyone but its owner and admins, and since when." })
export class ListingModeration {
  @Field(() => ListingModerationState) state!: ListingModerationState;
  @Field(() => Date, { description: "Since when it is hidden for this reason." }) hiddenAt!: Date;
  @Field(() => String, { nullable: true, description: "What the administrator gave as the reason for a takedown; null for a suspension." })
  reason!: string | null;
  @Field(() => Boolean, { description: "Whether its owner's suspension hides it too (a takedown may hide it as well)." })
  ownerSuspended!: boolean;
  @Field(() => ID, { nullable: true, description: "Admins only: the report the takedown resolved, when it came from one (null for the owner)." })
  reportId!: string | null;
}
