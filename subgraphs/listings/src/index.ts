import { MemberListingsResolver } from "./members/members.resolver.ts";
import { MemberListingsService } from "./members/member-listings.service.ts";
import { buildFederatedSchema, database, type SubgraphModule, type SubgraphModuleConfig } from "@localex/common";
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
import { CpscHttpRecallSource } from "./recalls/recall-source.ts";
import { RecallsResolver } from "./recalls/recalls.resolver.ts";
import { RecallsService } from "./recalls/recalls.service.ts";
import { startRecallRefresh } from "./recalls/refresh-job.ts";
import { UserListingsResolver } from "./users/user-listings.resolver.ts";

export const listings: SubgraphModule<ListingsServices, ListingsContext, SubgraphModuleConfig<"listings">> = {
  name: "listings",
  buildSchema: () =>
    buildFederatedSchema<ListingsContext>({
      resolvers: [
        ListingsResolver,
        ListingMutationsResolver,
        CategoriesResolver,
        UserListingsResolver,
        InternalResolver,
        RecallsResolver,
        MemberListingsResolver,
      ],
      orphanedTypes: [User],
      referenceResolvers: {
        Listing: async (ref: { id: string }, ctx) => {
          const row = await ctx.loaders.listingById.load(ref.id);
          return row && canSee(row, ctx.caller) ? row : null;
        },
        User: (ref: { id: string }) => ({ id: ref.id }),
        // Batched: every category a page of search facets names, in one statement.
        Category: (ref: { id: string }, ctx) => ctx.loaders.categoryById.load(ref.id),
      },
    }),
  createServices({ sql, limits, config, log }) {
    const db = database(sql, schema);
    const recalls = new RecallsService(db, config.recalls.url ? new CpscHttpRecallSource(config.recalls.url) : null, log);
    return {
      db,
      categories: new CategoriesService(db),
      listings: new ListingsService(db),
      writes: new ListingWritesService(db, recalls),
      recalls,
      tradeListings: new TradeListingsService(db),
      documents: new ListingDocumentsService(db),
      members: new MemberListingsService(db),
      limits,
    };
  },
  createContext,
  async startBackground(services, runtime) {
    if (!services.recalls.source) {
      runtime.log.info("recall check off (RECALLS_URL is not set)");
      return async () => {};
    }
    const minutes = runtime.config.recalls.refreshMinutes;
    runtime.log.info({ source: services.recalls.source.description, everyMinutes: minutes }, "recall check on");
    return startRecallRefresh({ db: services.db, url: runtime.databaseUrl, recalls: services.recalls, minutes, log: runtime.log });
  },
};
