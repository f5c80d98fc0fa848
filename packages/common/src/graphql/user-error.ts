import { Directive, Field, ObjectType } from "type-graphql";
import type { ErrorCode } from "../error-codes.ts";

/** A user-facing reason a mutation did not happen, returned as data (`errors: [UserError!]!`). */
@ObjectType({ description: "Why a mutation did not happen, in terms the user can act on." })
@Directive("@shareable")
export class UserError {
  @Field(() => String, { description: "Stable machine-readable code, e.g. INVALID_INPUT, NOT_FOUND, FORBIDDEN." })
  code!: ErrorCode;

  @Field(() => String)
  message!: string;

  @Field(() => String, { nullable: true, description: "The input field at fault, as a dotted path." })
  field?: string | null;
}

/** `code` is registered in error-codes.ts (and listed in docs/errors.md). */
export function userError(code: ErrorCode, message: string, field?: string): UserError {
  return { code, message, field: field ?? null };
}
