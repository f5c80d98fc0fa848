import { Arg, Ctx, Int, ObjectType, Query, Resolver } from "type-graphql";
import { ConnectionType, clientKey, pageSize } from "@localex/common";
import type { IdentityContext } from "../context.ts";
import { isCurrentAdmin } from "../users/current-admin.ts";
import { User } from "../users/user.type.ts";
import { MEMBER_QUERY_MAX } from "./members.service.ts";

@ObjectType()
export class UserConnection extends ConnectionType("User", User) {}

@Resolver()
export class MembersResolver {
  @Query(() => UserConnection, {
    description: `Members whose handle or display name matches: the handle exactly, then handles and names (or a word of them) starting with the query, then similar ones (typos; from 3 characters). Never matches or shows email addresses; deleted and suspended members are left out (admins still find suspended ones). \`query\`: 1 to ${MEMBER_QUERY_MAX} characters, a leading @ looks for handles first. Limited per member (or per address, signed out): RATE_LIMITED.`,
  })
  async members(
    @Arg("query", () => String) query: string,
    @Arg("first", () => Int, { nullable: true, description: "At most 100; 20 if not given." }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: IdentityContext,
  ): Promise<UserConnection> {
    await ctx.services.limits.consume("MEMBER_LOOKUP_PER_CLIENT", clientKey(ctx.caller, ctx.clientAddress));
    // Suspended members are found by admins only (their stored role, as for private fields).
    const admin = await isCurrentAdmin(ctx);
    const page = await ctx.services.members.find(query, pageSize(first), after ?? null, admin);
    // The rows are whole: fields of these members asked later in the request need no statement of their own.
    for (const { node } of page.edges) ctx.loaders.userById.prime(node.id, node);
    return page;
  }
}
