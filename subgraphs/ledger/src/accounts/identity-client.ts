// Identity's fields, as accounts call them (documents: identity-client.graphql).
import type { InternalRequester } from "@localex/common";
import { LedgerUserByHandleDocument, LedgerUserExistsDocument, type LedgerUserByHandleQuery, type LedgerUserExistsQuery } from "./identity-client.generated.ts";

/** The member as identity knows them (null: no such member). */
export async function userById(internal: InternalRequester, id: string): Promise<LedgerUserExistsQuery["user"]> {
  return (await internal.request("identity", LedgerUserExistsDocument, { id })).user;
}

/** The member a public handle names (`@ann` or `ann`, any case), as identity says (null: nobody, or departing). */
export async function userByHandle(internal: InternalRequester, handle: string): Promise<LedgerUserByHandleQuery["userByHandle"]> {
  return (await internal.request("identity", LedgerUserByHandleDocument, { handle })).userByHandle;
}
