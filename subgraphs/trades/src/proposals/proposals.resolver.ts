import { Arg, ID, Query, Resolver } from "type-graphql";
import { Trade } from "./trade.type.ts";

// The trade workflow arrives with the ledger-and-trades issue; until then no trade exists.
@Resolver(() => Trade)
export class ProposalsResolver {
  @Query(() => Trade, { nullable: true })
  trade(@Arg("id", () => ID) _id: string): Trade | null {
    return null;
  }
}
