import { FieldResolver, Query, Resolver, Root } from "type-graphql";
import { Account, User } from "./account.type.ts";

// Accounts and postings arrive with the ledger-and-trades issue.
@Resolver(() => User)
export class AccountsResolver {
  @FieldResolver(() => Account, { nullable: true, description: "Visible to the user themself and to admins only." })
  account(@Root() _user: User): Account | null {
    return null;
  }

  @Query(() => Account, { nullable: true, description: "The signed-in user's account." })
  myAccount(): Account | null {
    return null;
  }
}
