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

/** The adapter STORAGE_DRIVER names; config.ts has already checked S3_BUCKET is set for S3. */
export function createBlobStore(config: Config, runtime: BlobStoreRuntime = {}): BlobStore {
  if (config.STORAGE_DRIVER === "s3") {
    if (!config.S3_BUCKET) throw new Error("STORAGE_DRIVER=s3 needs S3_BUCKET");
    if (Boolean(config.S3_ACCESS_KEY_ID) !== Boolean(config.S3_SECRET_ACCESS_KEY))
      throw new Error("S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together: set both, or neither to use the AWS default credentials");
    return new S3BlobStore({
      bucket: config.S3_BUCKET,
      region: config.S3_REGION,
      forcePathStyle: config.S3_FORCE_PATH_STYLE,
      endpoint: config.S3_ENDPOINT,
      credentials:
        config.S3_ACCESS_KEY_ID && config.S3_SECRET_ACCESS_KEY
          ? { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY }
          : undefined,
      cdnBaseUrl: config.MEDIA_CDN_BASE_URL,
      clock: runtime.clock,
    });
  }
  const publicUrl = config.MEDIA_PUBLIC_URL;
  return new DiskBlobStore({
    root: resolve(config.DATA_DIR, "media"),
    baseUrl: publicUrl ?? (() => runtime.listeningUrl?.()),
    signingSecret: config.MEDIA_SIGNING_SECRET,
    cdnBaseUrl: config.MEDIA_CDN_BASE_URL,
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
