// Identity's fields, as accounts call them (documents: identity-client.graphql).
import type { InternalRequester } from "@localex/common";
import { LedgerUserExistsDocument, type LedgerUserExistsQuery } from "./identity-client.generated.ts";

/** The member as identity knows them (null: no such member). */
export async function userById(internal: InternalRequester, id: string): Promise<LedgerUserExistsQuery["user"]> {
  return (await internal.request("identity", LedgerUserExistsDocument, { id })).user;
}
