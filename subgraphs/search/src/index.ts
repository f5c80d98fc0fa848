import { buildFederatedSchema, startJobWorker, type SubgraphModule, type SubgraphModuleConfig, jobQueueOf } from "@localex/common";
import { createContext, type SearchContext, type SearchServices } from "./context.ts";
import { createSearchIndex } from "./index-port/create-index.ts";
import { indexListingTasks } from "./indexing/index-listing.task.ts";
import { FindableListings } from "./search/findable-listings.ts";
import { SearchResolver } from "./search/search.resolver.ts";
import { SearchService } from "./search/search.service.ts";
import { Listing } from "./similar/listing.type.ts";
import { SimilarResolver } from "./similar/similar.resolver.ts";

export type { SearchIndex } from "./index-port/search-index.ts";
export { createSearchIndex } from "./index-port/create-index.ts";
export { PostgresSearchIndex } from "./postgres/postgres-index.ts";
export { OpenSearchIndex } from "./opensearch/opensearch-index.ts";
export { reindexFromListings } from "./indexing/reindex.ts";
export { toSearchRequest } from "./search/search-args.ts";
export { ItemCondition, SearchSort } from "./search/search.type.ts";
export type { SearchArgs } from "./search/search-args.ts";

export const search: SubgraphModule<SearchServices, SearchContext, SubgraphModuleConfig<"search">> = {
  name: "search",
  buildSchema: () =>
    buildFederatedSchema<SearchContext>({
      resolvers: [SearchResolver, SimilarResolver],
      orphanedTypes: [Listing],
      referenceResolvers: { Listing: (ref: { id: string }) => ({ id: ref.id }) },
    }),
  createServices: ({ config, sql, limits, internal, log }) => ({
    search: new SearchService(createSearchIndex(config.search, sql), new FindableListings(internal, log)),
    limits,
  }),
  createContext,
  async startBackground(services, runtime) {
    const index = services.search.index;
    await index.prepare();
    const stopWorker = await startJobWorker({
      ...jobQueueOf(runtime),
      tasks: indexListingTasks(index, runtime.log),
      pollIntervalMs: 500,
    });
    runtime.log.info({ engine: index.engine }, "search index ready");
    return async () => {
      await stopWorker();
      await index.close();
    };
  },
};
