import DataLoader from "dataloader";
import { clientKey, isUuid, type Caller, type RateLimiter, type RequestOrigin } from "@localex/common";
import type { SearchService } from "./search/search.service.ts";

export interface SearchServices {
  search: SearchService;
  limits: RateLimiter;
}

export interface SearchContext {
  caller: Caller | null;
  /** Whom per-client limits count: the account, or the anonymous client's address. */
  client: string | null;
  services: SearchServices;
  /** Listing.similar for every listing in the response, in one round trip per `first`. */
  similarLoader(first: number): DataLoader<string, string[]>;
}

export function createContext(services: SearchServices, caller: Caller | null, origin?: RequestOrigin): SearchContext {
  const loaders = new Map<number, DataLoader<string, string[]>>();
  return {
    caller,
    client: clientKey(caller, origin?.clientAddress),
    services,
    similarLoader(first) {
      let loader = loaders.get(first);
      if (!loader) {
        loader = new DataLoader<string, string[]>(
          async (ids) => {
            const valid = ids.filter(isUuid);
            const similar = await services.search.similar(valid, first);
            return ids.map((id) => similar.get(id) ?? []);
          },
          // Field resolvers of a long list start over several microtask rounds; waiting for
          // the next macrotask collects them all into one batch.
          { batchScheduleFn: (dispatch) => setImmediate(dispatch) },
        );
        loaders.set(first, loader);
      }
      return loader;
    },
  };
}
