import type { SubgraphModule, SubgraphName } from "@localex/common";

/**
 * One subgraph's module, loaded on its own (`pnpm serve <name>`). Its services and context types
 * are its own business: SubgraphModule's methods take them back as they gave them.
 */
export async function loadSubgraph(name: SubgraphName): Promise<SubgraphModule<unknown, object>> {
  switch (name) {
    case "identity":
      return (await import("@localex/identity")).identity;
    case "listings":
      return (await import("@localex/listings")).listings;
    case "trades":
      return (await import("@localex/trades")).trades;
    case "ledger":
      return (await import("@localex/ledger")).ledger;
    case "media":
      return (await import("@localex/media")).media;
    case "search":
      return (await import("@localex/search")).search;
  }
}
