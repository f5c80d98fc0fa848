import { MemberListingsResolver } from "./members/members.resolver.ts";
import { MemberListingsService } from "./members/member-listings.service.ts";
import { buildFederatedSchema, database, startJobWorker, type SubgraphModule, type SubgraphModuleConfig, type TaskList, jobQueueOf } from "@localex/common";
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
import { canSeeByReference, ListingsService } from "./listings/listings.service.ts";
import { moderationTasks } from "./moderation/moderation.jobs.ts";
import { ModerationResolver } from "./moderation/moderation.resolver.ts";
import { ModerationService } from "./moderation/moderation.service.ts";
import { ModerationStore } from "./moderation/moderation.store.ts";
import { CpscHttpRecallSource } from "./recalls/recall-source.ts";
import { RecallsResolver } from "./recalls/recalls.resolver.ts";
import { RecallsService } from "./recalls/recalls.service.ts";
import { queueRecallRefresh, recallRefreshTasks, refreshCrontab } from "./recalls/refresh-job.ts";
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
        ModerationResolver,
      ],
      orphanedTypes: [User],
      referenceResolvers: {
        Listing: async (ref: { id: string }, ctx) => {
          const row = await ctx.loaders.listingById.load(ref.id);
          return row && canSeeByReference(row, ctx.caller) ? row : null;
        },
        User: (ref: { id: string }) => ({ id: ref.id }),
        // Batched: every category a page of search facets names, in one statement.
        Category: (ref: { id: string }, ctx) => ctx.loaders.categoryById.load(ref.id),
      },
    }),
  createServices({ sql, limits, config, log, internal }) {
    const db = database(sql, schema);
    const recalls = new RecallsService(db, config.recalls.url ? new CpscHttpRecallSource(config.recalls.url) : null, log);
    const moderation = new ModerationStore(db);
    return {
      db,
      categories: new CategoriesService(db),
      listings: new ListingsService(db),
      writes: new ListingWritesService(db, recalls, moderation),
      recalls,
      tradeListings: new TradeListingsService(db),
      documents: new ListingDocumentsService(db),
      members: new MemberListingsService(db),
      moderation: new ModerationService(moderation, log),
      limits,
      internal,
    };
  },
  createContext,
  async startBackground(services, runtime) {
    // identity's moderation jobs always; the recall refresh and its crontab only when a source is set.
    let tasks: TaskList = moderationTasks(services.moderation, runtime.log);
    let crontab: string | undefined;
    const source = services.recalls.source;
    if (source) {
      const minutes = runtime.config.recalls.refreshMinutes;
      runtime.log.info({ source: source.description, everyMinutes: minutes }, "recall check on");
      tasks = { ...tasks, ...recallRefreshTasks(services.recalls, runtime.log) };
      crontab = refreshCrontab(minutes);
    } else {
      runtime.log.info("recall check off (RECALLS_URL is not set)");
    }
    const stop = await startJobWorker({ ...jobQueueOf(runtime), concurrency: 2, crontab, tasks });
    if (source) await queueRecallRefresh(services.db);
    return stop;
  },
};
