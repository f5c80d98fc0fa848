import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import type { LedgerContext } from "../context.ts";
import { Account, User } from "./account.type.ts";

@Resolver(() => User)
export class AccountsResolver {
  @FieldResolver(() => Account, { nullable: true, description: "Visible to the user themself and to admins only." })
  async account(@Root() user: User, @Ctx() ctx: LedgerContext): Promise<Account | null> {
    const caller = ctx.caller;
    if (!caller || (caller.userId !== user.id && caller.role !== "admin")) return null;
    // A member whose welcome grant has not run yet has no account row: nothing yet.
    const row = await ctx.loaders.accountById.load(user.id);
    const balance = row?.balance ?? 0;
    const held = row?.held ?? 0;
    // Escrow draws on welcome credits first, so what is held may be welcome credits.
    return { balance, held, available: balance - held, transferable: Math.min(balance - held, balance - (row?.welcomeLocked ?? 0)) };
  }
}
