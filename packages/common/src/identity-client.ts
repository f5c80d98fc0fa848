// Identity's internal fields, as the shared package calls them (documents: identity-client.graphql).
import { CurrentAdminDocument, type CurrentAdminQuery } from "./identity-client.generated.ts";
import type { InternalRequester } from "./internal.ts";

/** The role identity stores for a member now; null for no such member. */
export async function memberRole(internal: InternalRequester, userId: string): Promise<CurrentAdminQuery["memberRole"]> {
  return (await internal.request("identity", CurrentAdminDocument, { userId })).memberRole;
}
