import { requireAdmin, type Caller } from "./auth.ts";
import { forbidden } from "./errors.ts";
import { memberRole } from "./identity-client.ts";
import { unavailable, type InternalRequester } from "./internal.ts";

/**
 * Whether identity still stores the admin role for a caller whose token claims it. The claim is
 * as old as the token (up to ACCESS_TOKEN_TTL_SECONDS), and a revocation can fail to reach a
 * gateway (`pnpm admin revoke` has no event bus; an event can be missed), so what an admin's
 * token must not outlive (minting credits, resolving disputes, reading private documents) asks
 * identity each time. Fails closed: identity not answering refuses with SUBGRAPH_UNAVAILABLE.
 */
export async function isCurrentAdmin(internal: InternalRequester, caller: Caller | null): Promise<boolean> {
  if (caller?.role !== "admin") return false;
  const role = await memberRole(internal, caller.userId).catch((e: unknown) => Promise.reject(unavailable("identity", e)));
  return role === "ADMIN";
}

/** requireAdmin, and identity agrees the role is still held: FORBIDDEN otherwise. */
export async function requireCurrentAdmin(internal: InternalRequester, caller: Caller | null): Promise<Caller> {
  const admin = requireAdmin(caller);
  if (!(await isCurrentAdmin(internal, admin))) throw forbidden("Only administrators may do this.");
  return admin;
}
