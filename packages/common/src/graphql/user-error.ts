import { Directive, Field, ObjectType } from "type-graphql";

/** A user-facing reason a mutation did not happen, returned as data (`errors: [UserError!]!`). */
@ObjectType({ description: "Why a mutation did not happen, in terms the user can act on." })
@Directive("@shareable")
export class UserError {
  @Field(() => String, { description: "Stable machine-readable code, e.g. INVALID_INPUT, NOT_FOUND, FORBIDDEN." })
  code!: string;

  @Field(() => String)
  message!: string;

  @Field(() => String, { nullable: true, description: "The input field at fault, as a dotted path." })
  field?: string | null;
}

export function userError(code: string, message: string, field?: string): UserError {
  return { code, message, field: field ?? null };
}
