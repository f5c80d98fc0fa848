import { buildFederatedSchema, type Caller, type SubgraphModule } from "@localex/common";
import { ListingsResolver } from "./listings/listings.resolver.ts";

export interface ListingsContext {
  caller: Caller | null;
}

export const listings: SubgraphModule<object, ListingsContext> = {
  name: "listings",
  buildSchema: () =>
    buildFederatedSchema<ListingsContext>({
      resolvers: [ListingsResolver],
      referenceResolvers: { Listing: () => null },
    }),
  createServices: () => ({}),
  createContext: (_services, caller) => ({ caller }),
};
