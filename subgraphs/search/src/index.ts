import { buildFederatedSchema, type Caller, type SubgraphModule } from "@localex/common";
import { SearchResolver } from "./queries/search.resolver.ts";

export interface SearchContext {
  caller: Caller | null;
}

export const search: SubgraphModule<object, SearchContext> = {
  name: "search",
  buildSchema: () => buildFederatedSchema<SearchContext>({ resolvers: [SearchResolver] }),
  createServices: () => ({}),
  createContext: (_services, caller) => ({ caller }),
};
