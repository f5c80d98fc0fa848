import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { ConnectionType, UserError } from "@localex/common";
import { Media } from "../privacy/federated.types.ts";
import { User } from "../users/user.type.ts";

export enum VerificationStatus {
  PENDING = "PENDING",
  APPROVED = "APPROVED",
  REJECTED = "REJECTED",
}
registerEnumType(VerificationStatus, { name: "VerificationStatus", description: "PENDING until an admin approves or rejects it." });

@ObjectType({ description: "A member's request to be verified with private documents; seen by the member and admins only." })
export class VerificationRequest {
  @Field(() => ID) id!: string;
  @Field(() => VerificationStatus) status!: "PENDING" | "APPROVED" | "REJECTED";
  @Field(() => String, { nullable: true, description: "Why it was rejected." }) reason!: string | null;
  @Field(() => Date) submittedAt!: Date;
  @Field(() => Date, { nullable: true }) decidedAt!: Date | null;
  // For field resolvers.
  userId!: string;
  documentIds!: string[];
}

@ObjectType()
export class VerificationRequestConnection extends ConnectionType("VerificationRequest", VerificationRequest) {}

@ObjectType()
export class VerificationRequestPayload {
  @Field(() => VerificationRequest, { nullable: true }) request!: VerificationRequest | null;
  @Field(() => [UserError], {
    description:
      "INVALID_INPUT (one or two documents; a reason), DOCUMENT_NOT_READY (not your processed private document), ALREADY_PENDING, ALREADY_VERIFIED, NOT_FOUND, ALREADY_DECIDED.",
  })
  errors!: UserError[];
}

export { Media, User };
