import { buildFederatedSchema, type Caller, type SubgraphModule } from "@localex/common";
import { ProposalsResolver } from "./proposals/proposals.resolver.ts";

export interface TradesContext {
  caller: Caller | null;
}

export const trades: SubgraphModule<object, TradesContext> = {
  name: "trades",
  buildSchema: () =>
    buildFederatedSchema<TradesContext>({
      resolvers: [ProposalsResolver],
      referenceResolvers: { Trade: () => null },
    }),
  createServices: () => ({}),
  createContext: (_services, caller) => ({ caller }),
};
