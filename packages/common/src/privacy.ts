import { badUserInput } from "./errors.ts";
import { isUuid } from "./loaders.ts";

/**
 * One subgraph's share of a member's data export (issue 12): what it holds about the member,
 * and a line per field saying what it is, for the archive's README. Each subgraph answers its
 * own section through an internal field; media gathers the sections into one archive.
 */
export interface MemberRecordSection {
  /** The archive's key for it: "profile", "listings", "trades", "ledger", "media". */
  name: string;
  /** One sentence: what this section is. */
  about: string;
  /** `record.field` → what it means. */
  fields: Record<string, string>;
  records: unknown;
}

/** The wire form of a section (internal fields answer JSON text, so no subgraph shares a type). */
export const encodeSection = (section: MemberRecordSection): string => JSON.stringify(section);

/** The `userId` argument of the member-data internal fields, checked (BAD_USER_INPUT otherwise). */
export function memberIdArgument(userId: string): string {
  if (!isUuid(userId)) throw badUserInput("userId must be a member's id.", "userId");
  return userId;
}
