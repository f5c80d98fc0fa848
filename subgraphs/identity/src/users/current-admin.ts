import { forbidden, requireAdmin, type Caller } from "@localex/common";
import type { IdentityContext } from "../context.ts";
import { roleOf } from "./roles.ts";

/**
 * Whether the caller is an admin as stored now, not only as the token says (its role claim may be
 * one access-token lifetime old, and a revocation can miss a gateway). False for anyone else.
 */
export async function isCurrentAdmin(ctx: IdentityContext): Promise<boolean> {
  return ctx.caller?.role === "admin" && (await roleOf(ctx.services.db, ctx.caller.userId)) === "admin";
}

/** An admin as stored now: FORBIDDEN otherwise, thrown, as every admin-only field answers a member. */
export async function currentAdmin(ctx: IdentityContext): Promise<Caller> {
  const caller = requireAdmin(ctx.caller);
  if (!(await isCurrentAdmin(ctx))) throw forbidden("Only administrators may do this.");
  return caller;
}
