import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { ConnectionType, UserError } from "@localex/common";
import { Listing } from "../privacy/federated.types.ts";
import { User } from "../users/user.type.ts";

export enum ReportReason {
  PROHIBITED_ITEM = "PROHIBITED_ITEM",
  SCAM = "SCAM",
  OFFENSIVE = "OFFENSIVE",
  COUNTERFEIT = "COUNTERFEIT",
  OTHER = "OTHER",
}
registerEnumType(ReportReason, { name: "ReportReason", description: "Why a listing or member is reported; OTHER needs `details`." });

export enum ReportStatus {
  OPEN = "OPEN",
  RESOLVED = "RESOLVED",
}
registerEnumType(ReportStatus, { name: "ReportStatus", description: "OPEN until an admin resolves it (resolveReport)." });

export enum ReportSubject {
  LISTING = "LISTING",
  MEMBER = "MEMBER",
}
registerEnumType(ReportSubject, { name: "ReportSubject", description: "What was reported: a listing (`listing`) or a member (`member`)." });

export enum ReportAction {
  DISMISS = "DISMISS",
  HIDE_LISTING = "HIDE_LISTING",
  SUSPEND_MEMBER = "SUSPEND_MEMBER",
}
registerEnumType(ReportAction, {
  name: "ReportAction",
  description:
    "How an admin resolves a report: DISMISS (nothing breaks the rules), HIDE_LISTING (listing reports only: the listing is taken down), SUSPEND_MEMBER (the member reported, or the listing's owner, is suspended until reinstated, with the note as reason).",
});

export enum ReportOutcome {
  DISMISSED = "DISMISSED",
  LISTING_HIDDEN = "LISTING_HIDDEN",
  MEMBER_SUSPENDED = "MEMBER_SUSPENDED",
}
registerEnumType(ReportOutcome, { name: "ReportOutcome", description: "What came of a resolved report (the reporter is told it; never who decided)." });

@ObjectType({ description: "A member's report of a listing or of another member; seen by its reporter (in the payload) and admins." })
export class Report {
  @Field(() => ID) id!: string;
  @Field(() => ReportSubject) subject!: "LISTING" | "MEMBER";
  @Field(() => ReportReason) reason!: `${ReportReason}`;
  @Field(() => String, { nullable: true }) details!: string | null;
  @Field(() => ReportStatus) status!: "OPEN" | "RESOLVED";
  @Field(() => ReportOutcome, { nullable: true, description: "Null while OPEN." }) outcome!: `${ReportOutcome}` | null;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date, { nullable: true }) resolvedAt!: Date | null;
  // For field resolvers.
  reporterId!: string;
  targetId!: string;
  memberId!: string;
  note!: string | null;
}

@ObjectType()
export class ReportConnection extends ConnectionType("Report", Report) {}

@ObjectType()
export class ReportPayload {
  @Field(() => Report, { nullable: true }) report!: Report | null;
  @Field(() => [UserError], {
    description:
      "INVALID_INPUT (details: up to 1000 characters, required for OTHER; note: 1 to 1000 characters; action: HIDE_LISTING for a member report), NOT_FOUND (listingId, userId, id), CANNOT_REPORT_SELF, REPORT_ALREADY_OPEN, REPORT_ALREADY_RESOLVED, CANNOT_SUSPEND (SUSPEND_MEMBER of an admin).",
  })
  errors!: UserError[];
}

export { Listing, User };
