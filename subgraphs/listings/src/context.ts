import DataLoader from "dataloader";
import { rowLoader, type Caller, type RateLimiter } from "@localex/common";
import type { CategoriesService } from "./categories/categories.service.ts";
import type { CategoryRow, ListingRow } from "./db/schema.ts";
import type { ListingDocumentsService } from "./internal/listing-documents.service.ts";
import type { TradeListingsService } from "./internal/trade-listings.service.ts";
import type { ListingWritesService } from "./listings/listing-writes.service.ts";
import type { ListingsService, OwnerPageKey, Page } from "./listings/listings.service.ts";

export interface ListingsServices {
  categories: CategoriesService;
  listings: ListingsService;
  writes: ListingWritesService;
  tradeListings: TradeListingsService;
  documents: ListingDocumentsService;
  limits: RateLimiter;
}

export interface ListingsContext {
  caller: Caller | null;
  services: ListingsServices;
  loaders: {
    listingById: DataLoader<string, ListingRow | null>;
    categoryById: DataLoader<string, CategoryRow | null>;
    /** `User.listings` pages, many owners in one statement. */
    ownerPage: DataLoader<OwnerPageKey, Page, string>;
  };
}

export function createContext(services: ListingsServices, caller: Caller | null): ListingsContext {
  return {
    caller,
    services,
    loaders: {
      listingById: rowLoader((ids) => services.listings.byIds(ids), (l) => l.id),
      categoryById: rowLoader((ids) => services.categories.byIds(ids), (c) => c.id),
      ownerPage: new DataLoader((keys) => services.listings.pagesByOwner(keys, caller), {
        cacheKeyFn: (k) => JSON.stringify([k.ownerId, k.status, k.first, k.after]),
      }),
    },
  };
}
