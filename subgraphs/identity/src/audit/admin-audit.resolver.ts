import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root } from "type-graphql";
import { pageSize, type AdminActRow, type Connection } from "@localex/common";
import type { IdentityContext } from "../context.ts";
import type { UserRow } from "../db/schema.ts";
import { currentAdmin } from "../users/current-admin.ts";
import { AdminActSubject, AdminAuditEntry, AdminAuditEntryConnection, AdminAuditFilter, User } from "./admin-audit.type.ts";

@Resolver(() => AdminAuditEntry)
export class AdminAuditResolver {
  @Query(() => AdminAuditEntryConnection, {
    description:
      "Administrators only: every admin act (credit grants, disputes, verification decisions, document links, role changes, file takedowns, job retries, recall clearances), newest first.",
  })
  async adminAuditLog(
    @Arg("filter", () => AdminAuditFilter, { nullable: true }) filter: AdminAuditFilter | null,
    @Arg("first", () => Int, { nullable: true }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: IdentityContext,
  ): Promise<Connection<AdminActRow>> {
    // Who did what is for admins as of now, not for a token whose role was revoked since.
    await currentAdmin(ctx);
    return ctx.services.adminAudit.page(filter ?? null, pageSize(first), after ?? null);
  }

  @FieldResolver(() => User, { nullable: true, description: "The administrator who acted; null for the operator's command line (see `actor`)." })
  admin(@Root() entry: AdminActRow, @Ctx() ctx: IdentityContext): Promise<UserRow | null> | null {
    return entry.adminId ? ctx.loaders.userById.load(entry.adminId) : null;
  }

  @FieldResolver(() => AdminActSubject)
  subject(@Root() entry: AdminActRow): AdminActSubject {
    return { kind: entry.subjectKind, id: entry.subjectId };
  }

  @FieldResolver(() => [User], { description: "The members the act concerns: one, or both parties of a dispute." })
  async members(@Root() entry: AdminActRow, @Ctx() ctx: IdentityContext): Promise<UserRow[]> {
    const users = await ctx.loaders.userById.loadMany(entry.memberIds);
    return users.filter((u): u is UserRow => u !== null && !(u instanceof Error));
  }
}
