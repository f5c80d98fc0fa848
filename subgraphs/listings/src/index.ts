import { buildFederatedSchema, database, type SubgraphModule } from "@localex/common";
import { CategoriesResolver } from "./categories/categories.resolver.ts";
import { CategoriesService } from "./categories/categories.service.ts";
import { createContext, type ListingsContext, type ListingsServices } from "./context.ts";
import { schema } from "./db/schema.ts";
import { InternalResolver } from "./internal/internal.resolver.ts";
import { ListingDocumentsService } from "./internal/listing-documents.service.ts";
import { TradeListingsService } from "./internal/trade-listings.service.ts";
import { ListingWritesService } from "./listings/listing-writes.service.ts";
import { User } from "./listings/listing.type.ts";
import { ListingMutationsResolver } from "./listings/listing-mutations.resolver.ts";
import { ListingsResolver } from "./listings/listings.resolver.ts";
import { canSee, ListingsService } from "./listings/listings.service.ts";
import { UserListingsResolver } from "./users/user-listings.resolver.ts";

export const listings: SubgraphModule<ListingsServices, ListingsContext> = {
  name: "listings",
  buildSchema: () =>
    buildFederatedSchema<ListingsContext>({
      resolvers: [ListingsResolver, ListingMutationsResolver, CategoriesResolver, UserListingsResolver, InternalResolver],
      orphanedTypes: [User],
      referenceResolvers: {
        Listing: async (ref: { id: string }, ctx) => {
          const row = await ctx.loaders.listingById.load(ref.id);
          return row && canSee(row, ctx.caller) ? row : null;
        },
        User: (ref: { id: string }) => ({ id: ref.id }),
      },
    }),
  createServices({ sql, limits }) {
    const db = database(sql, schema);
    return {
      categories: new CategoriesService(db),
      listings: new ListingsService(db),
      writes: new ListingWritesService(db),
      tradeListings: new TradeListingsService(db),
      documents: new ListingDocumentsService(db),
      limits,
    };
  },
  createContext,
};
