// Identity's fields, as trades calls them (documents: identity-client.graphql).
import type { InternalRequester } from "@localex/common";
import { TradesUserExistsDocument, type TradesUserExistsQuery } from "./identity-client.generated.ts";

/** The member as identity knows them (null: no such member). */
export async function userById(internal: InternalRequester, id: string): Promise<TradesUserExistsQuery["user"]> {
  return (await internal.request("identity", TradesUserExistsDocument, { id })).user;
}
