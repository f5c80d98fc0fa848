import type { MemberListingsService } from "./members/member-listings.service.ts";
import DataLoader from "dataloader";
import { rowLoader, type Caller, type InternalRequester, type RateLimiter } from "@localex/common";
import type { CategoriesService } from "./categories/categories.service.ts";
import type { CategoryRow, ListingRow, ListingsDatabase, RecallMatchRow } from "./db/schema.ts";
import type { ListingDocumentsService } from "./internal/listing-documents.service.ts";
import type { TradeListingsService } from "./internal/trade-listings.service.ts";
import type { ListingWritesService } from "./listings/listing-writes.service.ts";
import type { ListingsService, OwnerPageKey, Page } from "./listings/listings.service.ts";
import type { ModerationService } from "./moderation/moderation.service.ts";
import type { RecallsService } from "./recalls/recalls.service.ts";

export interface ListingsServices {
  db: ListingsDatabase;
  categories: CategoriesService;
  listings: ListingsService;
  writes: ListingWritesService;
  tradeListings: TradeListingsService;
  documents: ListingDocumentsService;
  /** A member's export section and departure (issue 12). */
  members: MemberListingsService;
  recalls: RecallsService;
  /** Takedowns and suspensions (issue 23). */
  moderation: ModerationService;
  limits: RateLimiter;
  /** Asks identity whether an admin still holds the role (restoreListing). */
  internal: InternalRequester;
}

export interface ListingsContext {
  caller: Caller | null;
  services: ListingsServices;
  loaders: {
    listingById: DataLoader<string, ListingRow | null>;
    categoryById: DataLoader<string, CategoryRow | null>;
    /** `User.listings` pages, many owners in one statement. */
    ownerPage: DataLoader<OwnerPageKey, Page, string>;
    /** Every recall match of a listing, open and resolved. */
    recallMatchesByListing: DataLoader<string, RecallMatchRow[]>;
  };
}

export function createContext(services: ListingsServices, caller: Caller | null): ListingsContext {
  return {
    caller,
    services,
    loaders: {
      listingById: rowLoader(
        (ids) => services.listings.byIds(ids),
        (l) => l.id,
      ),
      categoryById: rowLoader(
        (ids) => services.categories.byIds(ids),
        (c) => c.id,
      ),
      recallMatchesByListing: new DataLoader(async (ids) => {
        const rows = await services.recalls.matchesFor(ids);
        return ids.map((id) => rows.filter((r) => r.listingId === id));
      }),
      ownerPage: new DataLoader((keys) => services.listings.pagesByOwner(keys, caller), {
        cacheKeyFn: (k) => JSON.stringify([k.ownerId, k.status, k.first, k.after]),
      }),
    },
  };
}
