import { resolve } from "node:path";
import type { Config, createHttpServer, UploadPace } from "@localex/common";
import type { BlobStore } from "./blob-store.ts";
import { diskBlobRoutes } from "./disk-routes.ts";
import { DiskBlobStore } from "./disk-store.ts";
import { S3BlobStore } from "./s3-store.ts";

export * from "./blob-store.ts";
export { DiskBlobStore, UploadSizeError, type DiskBlobStoreOptions } from "./disk-store.ts";
export { diskBlobRoutes, type DiskBlobRoutesOptions } from "./disk-routes.ts";
export { S3BlobStore, type S3BlobStoreOptions } from "./s3-store.ts";
export { BlobUrlSigner } from "./signed-urls.ts";

export interface BlobStoreRuntime {
  /**
   * The media subgraph's own base URL (`http://host:port`), once it listens. The disk
   * driver's URLs start there when MEDIA_PUBLIC_URL is unset; it is asked each time a URL is made.
   */
  listeningUrl?: () => string | undefined;
  /** For tests: the time URLs are signed at. */
  clock?: () => Date;
}

/** The adapter STORAGE_DRIVER names. */
export function createBlobStore(storage: Config["storage"], runtime: BlobStoreRuntime = {}): BlobStore {
  if (storage.driver === "s3") {
    const { bucket, region, forcePathStyle, endpoint, credentials, cdnBaseUrl } = storage;
    return new S3BlobStore({ bucket, region, forcePathStyle, endpoint, credentials, cdnBaseUrl, clock: runtime.clock });
  }
  const publicUrl = storage.publicUrl;
  return new DiskBlobStore({
    root: resolve(storage.dataDir, "media"),
    baseUrl: publicUrl ?? (() => runtime.listeningUrl?.()),
    signingSecret: storage.signingSecret,
    cdnBaseUrl: storage.cdnBaseUrl,
    clock: runtime.clock,
  });
}

/**
 * Serves the disk driver's upload and download URLs on the media subgraph's HTTP server
 * (before it listens); with S3, clients talk to the bucket and there is nothing to serve.
 */
export async function registerBlobRoutes(
  app: ReturnType<typeof createHttpServer>,
  store: BlobStore,
  options: { acceptsUpload?: (key: string) => Promise<boolean>; pace?: UploadPace } = {},
): Promise<void> {
  if (store instanceof DiskBlobStore) await app.register(diskBlobRoutes, { store, ...options });
}
