import {
  buildFederatedSchema,
  database,
  jobTask,
  startJobWorker,
  TASKS,
  uploadLimits,
  type SubgraphModule,
  type SubgraphModuleConfig,
  jobQueueOf,
} from "@localex/common";
import { AvatarsResolver } from "./avatars/avatars.resolver.ts";
import { createCdnPurge, MediaPurges } from "./cdn/index.ts";
import { User } from "./avatars/user.type.ts";
import { CleanupResolver } from "./cleanup/cleanup.resolver.ts";
import { CLEANUP_CRONTAB, CleanupService } from "./cleanup/cleanup.service.ts";
import { createContext, type MediaContext, type MediaServices } from "./context.ts";
import { DataExportsResolver } from "./exports/exports.resolver.ts";
import { DataExportsService } from "./exports/exports.service.ts";
import { MemberMediaResolver } from "./members/members.resolver.ts";
import { MemberMediaService } from "./members/member-media.service.ts";
import { schema } from "./db/schema.ts";
import { JobsResolver } from "./jobs/jobs.resolver.ts";
import { canSeeJob } from "./jobs/visibility.ts";
import { JobsService } from "./jobs/jobs.service.ts";
import { JobsStore } from "./jobs/jobs.store.ts";
import { ResultJobs } from "./jobs/result-jobs.ts";
import { processMediaTask } from "./jobs/process-media.ts";
import { LibraryResolver, OwnMediaResolver } from "./library/library.resolver.ts";
import { LibraryService } from "./library/library.service.ts";
import { MediaResolver } from "./media/media.resolver.ts";
import { MediaService } from "./media/media.service.ts";
import { MediaStore } from "./media/media.store.ts";
import { canSee } from "./media/visibility.ts";
import { ListingOwners } from "./photos/listing-owners.ts";
import { Listing } from "./photos/listing.type.ts";
import { PhotosResolver } from "./photos/photos.resolver.ts";
import { PhotosService } from "./photos/photos.service.ts";
import { IsolatedDecoder } from "./processing/decoder/index.ts";
import { IMAGE_JOB_CONCURRENCY } from "./processing/index.ts";
import { createMalwareScanner } from "./scanning/index.ts";
import { StatementsResolver } from "./statements/statements.resolver.ts";
import { StatementsService } from "./statements/statements.service.ts";
import { TakedownResolver } from "./takedown/takedown.resolver.ts";
import { TakedownService } from "./takedown/takedown.service.ts";
import { createBlobStore, registerBlobRoutes } from "./storage/index.ts";
import { PresignedUploadsService } from "./uploads/presigned.service.ts";
import { UploadsResolver } from "./uploads/uploads.resolver.ts";
import { UploadsService } from "./uploads/uploads.service.ts";
import type { IntakeLimits } from "./uploads/intake.ts";

export type { MediaContext, MediaServices };

export const media: SubgraphModule<MediaServices, MediaContext, SubgraphModuleConfig<"media">> = {
  name: "media",
  buildSchema: () =>
    buildFederatedSchema<MediaContext>({
      resolvers: [
        UploadsResolver,
        MediaResolver,
        JobsResolver,
        PhotosResolver,
        AvatarsResolver,
        CleanupResolver,
        DataExportsResolver,
        StatementsResolver,
        MemberMediaResolver,
        LibraryResolver,
        OwnMediaResolver,
        TakedownResolver,
      ],
      orphanedTypes: [Listing, User],
      referenceResolvers: {
        Media: async (ref: { id: string }, ctx) => {
          const row = await ctx.loaders.mediaById.load(ref.id);
          return row && canSee(row, ctx.caller) ? row : null;
        },
        Job: async (ref: { id: string }, ctx) => {
          const job = await ctx.loaders.jobById.load(ref.id);
          return job && canSeeJob(job, ctx.caller) ? job : null;
        },
        Listing: (ref: { id: string }) => ({ id: ref.id }),
        User: (ref: { id: string }) => ({ id: ref.id }),
      },
    }),
  uploadLimits,
  createServices({ sql, config, events, log, internal, listeningUrl, limits: rateLimits }) {
    const db = database(sql, schema);
    const limits: IntakeLimits = {
      maxImageBytes: config.uploads.maxImageBytes,
      maxDocumentBytes: config.uploads.maxDocumentBytes,
      maxPixels: config.media.maxPixels,
      quotaBytes: config.media.quotaBytes,
      urlTtlSeconds: config.media.urlTtlSeconds,
    };
    const store = new MediaStore(db);
    const jobsStore = new JobsStore(db, events);
    const blobs = createBlobStore(config.storage, { listeningUrl });
    const cdn = createCdnPurge(config.cdn);
    const purges = new MediaPurges(blobs, cdn, log);
    const listings = new ListingOwners(internal);
    const decoder = new IsolatedDecoder(config.media.decoder);
    const results = new ResultJobs(jobsStore, store, blobs, { ttlHours: config.media.dataExportTtlHours, linkTtlSeconds: limits.urlTtlSeconds }, log);
    const exports = new DataExportsService(store, results, blobs, internal);
    const statements = new StatementsService(results, blobs, internal);
    return {
      events,
      store,
      jobsStore,
      blobs,
      media: new MediaService(store, jobsStore, blobs, purges, limits.urlTtlSeconds, db),
      uploads: new UploadsService(store, jobsStore, blobs, listings, limits, decoder),
      presigned: new PresignedUploadsService(store, jobsStore, blobs, listings, limits, decoder),
      photos: new PhotosService(store, listings),
      processing: new JobsService(jobsStore, store, { [TASKS.exportMemberData]: exports, [TASKS.ledgerStatement]: statements }),
      cleanup: new CleanupService(store, jobsStore, blobs, listings, purges, log),
      library: new LibraryService(store, limits.quotaBytes),
      results,
      exports,
      statements,
      members: new MemberMediaService(store, jobsStore, blobs, purges),
      cdn,
      purges,
      takedown: new TakedownService(store, jobsStore, purges),
      rateLimits,
      internal,
      uploadPace: config.uploads.pace,
      decoder,
    };
  },
  createContext,
  async registerRoutes(app, services) {
    await services.blobs.ensureReady();
    await registerBlobRoutes(app, services.blobs, { acceptsUpload: (key) => services.presigned.acceptsUpload(key), pace: services.uploadPace });
  },
  // After the server and the job worker have stopped: no request is left for a decoder.
  disposeServices: async (services) => {
    await Promise.all([services.blobs.close(), services.decoder.close()]);
  },
  startBackground(services, runtime) {
    const scanner = createMalwareScanner(runtime.config.media);
    runtime.log.info({ scanner: scanner.describe(), storage: services.blobs.driver, cdnPurge: services.cdn.describe() }, "media processing");
    // Loading a decoder takes a moment (Node, swc, libvips): the first upload need not wait for it.
    services.decoder.warm();
    const processMedia = processMediaTask({
      media: services.store,
      jobs: services.jobsStore,
      blobs: services.blobs,
      purges: services.purges,
      scanner,
      decoder: services.decoder,
      maxPixels: runtime.config.media.maxPixels,
      log: runtime.log,
    });
    return startJobWorker({
      ...jobQueueOf(runtime),
      // One image at a time (its pipelines use both cores); cleanup waits its turn.
      concurrency: IMAGE_JOB_CONCURRENCY,
      crontab: CLEANUP_CRONTAB,
      tasks: {
        [TASKS.processMedia]: jobTask(TASKS.processMedia, runtime.log, processMedia),
        [TASKS.cleanUpMedia]: jobTask(TASKS.cleanUpMedia, runtime.log, async () => {
          await services.cleanup.run();
          await services.results.expire();
        }),
        [TASKS.exportMemberData]: jobTask(TASKS.exportMemberData, runtime.log, ({ jobId }, helpers) =>
          services.exports.run(jobId, { attempts: helpers.job.attempts, maxAttempts: helpers.job.max_attempts }),
        ),
        [TASKS.ledgerStatement]: jobTask(TASKS.ledgerStatement, runtime.log, ({ jobId }, helpers) =>
          services.statements.run(jobId, { attempts: helpers.job.attempts, maxAttempts: helpers.job.max_attempts }),
        ),
        [TASKS.purgeMedia]: jobTask(TASKS.purgeMedia, runtime.log, (payload) => services.purges.run(payload)),
        [TASKS.deleteDocuments]: jobTask(TASKS.deleteDocuments, runtime.log, async ({ ownerId, mediaIds }) => {
          await services.members.deleteDocuments(ownerId, mediaIds);
        }),
      },
    });
  },
};
