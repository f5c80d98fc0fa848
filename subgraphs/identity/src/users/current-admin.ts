import { forbidden, requireAdmin, type Caller } from "@localex/common";
import type { IdentityContext } from "../context.ts";
import { roleOf } from "../users/roles.ts";

/**
 * An admin as stored now, not only as the token says (its role claim may be one access-token
 * lifetime old, and a revocation can miss a gateway): FORBIDDEN otherwise, thrown, as every
 * admin-only field answers a member.
 */
export async function currentAdmin(ctx: IdentityContext): Promise<Caller> {
  const caller = requireAdmin(ctx.caller);
  if ((await roleOf(ctx.services.db, caller.userId)) !== "admin") throw forbidden("Only administrators may do this.");
  return caller;
}
