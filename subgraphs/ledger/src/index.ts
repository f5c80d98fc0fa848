import { buildFederatedSchema, type Caller, type SubgraphModule } from "@localex/common";
import { User } from "./accounts/account.type.ts";
import { AccountsResolver } from "./accounts/accounts.resolver.ts";

export interface LedgerContext {
  caller: Caller | null;
}

export const ledger: SubgraphModule<object, LedgerContext> = {
  name: "ledger",
  buildSchema: () =>
    buildFederatedSchema<LedgerContext>({
      resolvers: [AccountsResolver],
      orphanedTypes: [User],
      referenceResolvers: { User: (ref: { id: string }) => ({ id: ref.id }) },
    }),
  createServices: () => ({}),
  createContext: (_services, caller) => ({ caller }),
};
