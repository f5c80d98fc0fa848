import DataLoader from "dataloader";
import { groupLoader, isCurrentAdmin, rowLoader, type Caller, type EventBus, type InternalClient, type RateLimiter, type UploadPace } from "@localex/common";
import type { CdnPurge, MediaPurges } from "./cdn/index.ts";
import type { CleanupService } from "./cleanup/cleanup.service.ts";
import type { DataExportsService } from "./exports/exports.service.ts";
import type { MemberMediaService } from "./members/member-media.service.ts";
import type { JobRow, MediaRow } from "./db/schema.ts";
import type { JobsService } from "./jobs/jobs.service.ts";
import type { JobsStore } from "./jobs/jobs.store.ts";
import type { ResultJobs } from "./jobs/result-jobs.ts";
import type { LibraryService } from "./library/library.service.ts";
import type { MediaService } from "./media/media.service.ts";
import type { MediaStore } from "./media/media.store.ts";
import type { PhotosService } from "./photos/photos.service.ts";
import type { IsolatedDecoder } from "./processing/decoder/index.ts";
import type { BlobStore } from "./storage/index.ts";
import type { StatementsService } from "./statements/statements.service.ts";
import type { TakedownService } from "./takedown/takedown.service.ts";
import type { PresignedUploadsService } from "./uploads/presigned.service.ts";
import type { UploadsService } from "./uploads/uploads.service.ts";

export interface MediaServices {
  /** Domain events, for live subscriptions. */
  events: EventBus;
  store: MediaStore;
  jobsStore: JobsStore;
  blobs: BlobStore;
  media: MediaService;
  uploads: UploadsService;
  presigned: PresignedUploadsService;
  photos: PhotosService;
  processing: JobsService;
  cleanup: CleanupService;
  /** "My files": a member's storage use and their own media. */
  library: LibraryService;
  /** Jobs whose result is a private file for their owner (exports, statements): their lifecycle and download links. */
  results: ResultJobs;
  /** Members' data exports (issue 12). */
  exports: DataExportsService;
  /** Ledger statements as CSV (issue 22), asked for by the ledger's requestStatement. */
  statements: StatementsService;
  /** A member's files as identity asks about them: verification documents, account deletion. */
  members: MemberMediaService;
  /** The CDN in front of public media (CDN_PURGE_URL), asked to forget deleted and taken-down media. */
  cdn: CdnPurge;
  /** Deleted or taken-down media made unreachable: its public objects deleted, its URLs purged (the media:purge job). */
  purges: MediaPurges;
  /** Admins taking a member's file down (takeDownMedia). */
  takedown: TakedownService;
  /** Rate limits: uploads started per account. */
  rateLimits: RateLimiter;
  /** Other subgraphs' internal fields: identity's memberRole, before an admin opens a member's document. */
  internal: InternalClient;
  /** The pace a presigned upload's bytes must keep on the disk driver's PUT route. */
  uploadPace: UploadPace;
  /** Every read of uploaded bytes (type, header, rendering), in processes that hold no secret. */
  decoder: IsolatedDecoder;
}

export interface MediaContext {
  caller: Caller | null;
  services: MediaServices;
  loaders: {
    mediaById: DataLoader<string, MediaRow | null>;
    jobById: DataLoader<string, JobRow | null>;
    /** `Listing.photos` for a page of listings in one statement. */
    photosByListing: DataLoader<string, MediaRow[]>;
    /** `User.avatar` for a page of users in one statement. */
    avatarByUser: DataLoader<string, MediaRow | null>;
    /**
     * Whether identity still stores the caller's admin role (load with any key): the document
     * URLs of one response ask identity once per tick, never cached.
     */
    currentAdmin: DataLoader<string, boolean>;
  };
}

export function createContext(services: MediaServices, caller: Caller | null): MediaContext {
  return {
    caller,
    services,
    loaders: {
      mediaById: rowLoader(
        (ids) => services.store.byIds(ids),
        (m) => m.id,
      ),
      jobById: rowLoader(
        (ids) => services.jobsStore.byIds(ids),
        (j) => j.id,
      ),
      photosByListing: groupLoader(
        (ids) => services.store.photosOf(ids),
        (m) => m.listingId!,
      ),
      avatarByUser: rowLoader(
        (ids) => services.store.avatarsOf(ids),
        (m) => m.ownerId,
      ),
      currentAdmin: new DataLoader(
        async (keys) => {
          const answer = await isCurrentAdmin(services.internal, caller);
          return keys.map(() => answer);
        },
        { cache: false },
      ),
    },
  };
}
