import { Field, ID, InputType, ObjectType, registerEnumType } from "type-graphql";
import { ADMIN_ACTIONS, ConnectionType, JSONObjectScalar, type AdminAction as AdminActionName, type AdminActDetail } from "@localex/common";
import { User } from "../users/user.type.ts";

/** The GraphQL enum of ADMIN_ACTIONS (packages/common/src/admin-audit.ts): one list, so a new action appears here by itself. */
export const AdminAction = Object.fromEntries(Object.keys(ADMIN_ACTIONS).map((a) => [a, a])) as { [A in AdminActionName]: A };
registerEnumType(AdminAction, {
  name: "AdminAction",
  description: "What an administrator (or the operator) did.",
  valuesConfig: Object.fromEntries(Object.entries(ADMIN_ACTIONS).map(([a, words]) => [a, { description: `The administrator ${words}.` }])),
});

@ObjectType({ description: "What an admin act was done on." })
export class AdminActSubject {
  @Field(() => String, { description: "USER, TRANSFER, TRADE, VERIFICATION_REQUEST, MEDIA, JOB, LISTING (REPORT to come)." }) kind!: string;
  @Field(() => ID) id!: string;
}

@ObjectType({ description: "One admin act, as recorded in the transaction of the act; entries are never changed or removed." })
export class AdminAuditEntry {
  @Field(() => ID) id!: string;
  @Field(() => Date, { description: "When it was recorded (in the act's transaction)." }) at!: Date;
  @Field(() => String, {
    description: "Who acted: `admin` for an administrator (see `admin`), or the operator's command line as `operator (pnpm admin; login@host)`.",
  })
  actor!: string;
  @Field(() => AdminAction) action!: AdminActionName;
  @Field(() => AdminActSubject) subject!: AdminActSubject;
  @Field(() => String, { nullable: true, description: "Why, as the administrator gave it; null when the act takes no reason." }) reason!: string | null;
  @Field(() => JSONObjectScalar, { description: "What else is kept for this action (an amount, an outcome, a recall number…)." })
  details!: Record<string, AdminActDetail>;
  // For field resolvers.
  adminId!: string | null;
  memberIds!: string[];
}

@ObjectType()
export class AdminAuditEntryConnection extends ConnectionType("AdminAuditEntry", AdminAuditEntry) {}

@InputType({ description: "Narrows the admin audit log; every field given must hold." })
export class AdminAuditFilter {
  @Field(() => ID, { nullable: true, description: "Acts of this administrator." }) adminId?: string | null;
  @Field(() => ID, { nullable: true, description: "Acts concerning this member." }) memberId?: string | null;
  @Field(() => [AdminAction], { nullable: true, description: "Acts of these kinds." }) actions?: AdminActionName[] | null;
  @Field(() => Date, { nullable: true, description: "Recorded at or after this instant." }) from?: Date | null;
  @Field(() => Date, { nullable: true, description: "Recorded before this instant." }) to?: Date | null;
}

export { User };
