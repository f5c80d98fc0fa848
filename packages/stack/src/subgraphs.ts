import type { SubgraphModule } from "@localex/common";
import { identity } from "@localex/identity";
import { ledger } from "@localex/ledger";
import { listings } from "@localex/listings";
import { media } from "@localex/media";
import { search } from "@localex/search";
import { trades } from "@localex/trades";

/** Every subgraph of the graph, in start order. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const SUBGRAPHS: SubgraphModule<any, any>[] = [identity, listings, trades, ledger, media, search];

