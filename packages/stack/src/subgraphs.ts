import type { SubgraphModule } from "@localex/common";
import { identity } from "@localex/identity";
import { ledger } from "@localex/ledger";
import { listings } from "@localex/listings";
import { media } from "@localex/media";
import { search } from "@localex/search";
import { trades } from "@localex/trades";

/**
 * Every subgraph of the graph, in start order. Each one's services and context types are its own
 * business: SubgraphModule's methods take them back as they gave them.
 */
export const SUBGRAPHS: SubgraphModule<unknown, object>[] = [identity, listings, trades, ledger, media, search];
