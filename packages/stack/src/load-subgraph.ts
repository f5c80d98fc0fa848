import type { SubgraphModule, SubgraphName } from "@localex/common";

/** One subgraph's module, loaded on its own (`pnpm serve <name>`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function loadSubgraph(name: SubgraphName): Promise<SubgraphModule<any, any>> {
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
