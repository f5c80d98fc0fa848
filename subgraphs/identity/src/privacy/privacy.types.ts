import { Field, ID, ObjectType } from "type-graphql";
import { UserError } from "@localex/common";
import { Job } from "./federated.types.ts";

@ObjectType()
export class RequestDataExportPayload {
  @Field(() => Job, { nullable: true, description: "The export's job (follow it with jobUpdated); null when refused (see errors)." })
  job!: Job | null;
  @Field(() => [UserError]) errors!: UserError[];
}

@ObjectType()
export class DeleteMyAccountPayload {
  @Field(() => Boolean, { description: "True once the deletion is under way (also when it already was); false when refused (see errors)." })
  accepted!: boolean;
  @Field(() => [ID], { description: "With MEMBER_HAS_ACTIVE_TRADES: the trades to complete, cancel or settle first. Empty otherwise." })
  activeTradeIds!: string[];
  @Field(() => [UserError]) errors!: UserError[];
}
