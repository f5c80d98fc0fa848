import { createReadStream, createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import {
  attachment,
  BlobNotFoundError,
  checkBlobKey,
  checkBlobPrefix,
  checkExpiry,
  checkPublicKey,
  checkUploadTerms,
  defaultCacheControl,
  trimBase,
  type BlobStore,
  type ListedBlob,
  type PresignedPut,
  type PutOptions,
  type StoredBlob,
} from "./blob-store.ts";

export interface S3BlobStoreOptions {
  bucket: string;
  /** Any S3-compatible endpoint (MinIO, R2, s3rver…); unset: AWS itself. */
  endpoint?: string;
  region: string;
  /** Unset: the AWS default credential chain (environment, instance role…). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** http://host/bucket/key rather than http://bucket.host/key; the default, as most S3-compatible stores want. */
  forcePathStyle?: boolean;
  cdnBaseUrl?: string;
  clock?: () => Date;
  /** Keys per ListObjectsV2 page (S3's maximum, 1000, by default). */
  listPageSize?: number;
  /** Multipart upload part size; S3's minimum is 5 MiB. Memory use is about four parts per upload. */
  partSizeBytes?: number;
}

const UNKNOWN_TYPE = "application/octet-stream";
const MAX_DELETE_BATCH = 1000; // DeleteObjects' limit

/** Objects in an S3-compatible bucket; clients upload and download straight to and from it. */
export class S3BlobStore implements BlobStore {
  readonly driver = "s3";
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly clock: () => Date;

  constructor(private readonly options: S3BlobStoreOptions) {
    this.bucket = options.bucket;
    this.clock = options.clock ?? (() => new Date());
    this.client = new S3Client({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      forcePathStyle: options.forcePathStyle ?? true,
      // Otherwise the SDK adds checksums to every request, and streamed puts go out with
      // aws-chunked framing that several S3-compatible stores (s3rver among them) store verbatim.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
  }

  async ensureReady(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return;
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    try {
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
    } catch (e) {
      // Another process created it in between.
      if (!(e instanceof S3ServiceException && e.name === "BucketAlreadyOwnedByYou")) throw e;
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  async putFile(key: string, filePath: string, options: PutOptions): Promise<StoredBlob> {
    return this.putStream(key, createReadStream(filePath), options);
  }

  async putStream(key: string, body: NodeJS.ReadableStream, options: PutOptions): Promise<StoredBlob> {
    checkBlobKey(key);
    let byteSize = 0;
    async function* counted(): AsyncGenerator<Buffer> {
      for await (const chunk of body) {
        const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
        byteSize += bytes.length;
        yield bytes;
      }
    }
    const cacheControl = defaultCacheControl(key, options);
    // One PutObject for a body smaller than a part, a multipart upload (aborted on failure) otherwise.
    await new Upload({
      client: this.client,
      params: {
        Bucket: this.bucket,
        Key: key,
        Body: Readable.from(counted(), { objectMode: false }),
        ContentType: options.contentType,
        ...(cacheControl ? { CacheControl: cacheControl } : {}),
      },
      ...(this.options.partSizeBytes ? { partSize: this.options.partSizeBytes } : {}),
    }).done();
    return { key, byteSize, contentType: options.contentType };
  }

  async download(key: string, toFilePath: string): Promise<void> {
    checkBlobKey(key);
    let body: unknown;
    try {
      body = (await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }))).Body;
    } catch (e) {
      if (isNotFound(e)) throw new BlobNotFoundError(key);
      throw e;
    }
    if (!(body instanceof Readable)) throw new Error(`S3 returned no readable body for "${key}"`);
    try {
      await pipeline(body, createWriteStream(toFilePath));
    } catch (e) {
      await rm(toFilePath, { force: true });
      throw e;
    }
  }

  async head(key: string): Promise<StoredBlob | null> {
    checkBlobKey(key);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { key, byteSize: head.ContentLength ?? 0, contentType: head.ContentType ?? UNKNOWN_TYPE };
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  async delete(keys: readonly string[]): Promise<void> {
    keys.forEach(checkBlobKey); // every key checked before anything is removed
    for (let start = 0; start < keys.length; start += MAX_DELETE_BATCH) {
      const batch = keys.slice(start, start + MAX_DELETE_BATCH);
      const result = await this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }));
      // S3 reports absent keys as deleted; anything in Errors is a real failure.
      const [first] = result.Errors ?? [];
      if (first) throw new Error(`S3 did not delete "${first.Key}": ${first.Code} ${first.Message}`);
    }
  }

  async *list(prefix: string): AsyncIterable<ListedBlob> {
    checkBlobPrefix(prefix);
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          ...(prefix ? { Prefix: prefix } : {}),
          ...(this.options.listPageSize ? { MaxKeys: this.options.listPageSize } : {}),
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key) yield { key: object.Key, byteSize: object.Size ?? 0, lastModified: object.LastModified ?? new Date(0) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async presignPut(key: string, options: { contentType: string; byteSize: number; expiresInSeconds: number }): Promise<PresignedPut> {
    checkBlobKey(key);
    checkUploadTerms(options);
    const signingDate = this.clock();
    const command = new PutObjectCommand({ Bucket: this.bucket, Key: key, ContentType: options.contentType, ContentLength: options.byteSize });
    const url = await getSignedUrl(this.client, command, {
      expiresIn: options.expiresInSeconds,
      signingDate,
      // The presigner leaves Content-Type unsigned by default; signing both makes S3 refuse
      // any other type or byte count.
      signableHeaders: new Set(["content-type", "content-length"]),
    });
    return {
      url,
      method: "PUT",
      headers: [{ name: "Content-Type", value: options.contentType }],
      expiresAt: expiryOf(signingDate, options.expiresInSeconds),
    };
  }

  async signedGetUrl(key: string, options: { expiresInSeconds: number }): Promise<string> {
    checkBlobKey(key);
    checkExpiry(options.expiresInSeconds);
    // Downloaded, never rendered on the bucket's origin (S3 sends what the signed URL asks for).
    // A bucket cannot be asked for a CSP or nosniff: set them at the CDN or proxy in front.
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key, ResponseContentDisposition: attachment(key) }), {
      expiresIn: options.expiresInSeconds,
      signingDate: this.clock(),
    });
  }

  publicUrl(key: string): string {
    checkPublicKey(key);
    return `${this.options.cdnBaseUrl ? trimBase(this.options.cdnBaseUrl) : this.bucketUrl()}/${key}`;
  }

  /** The bucket's own URL, as an anonymous GET reaches its objects. */
  private bucketUrl(): string {
    const pathStyle = this.options.forcePathStyle ?? true;
    const endpoint = new URL(this.options.endpoint ?? `https://s3.${this.options.region}.amazonaws.com`);
    const path = trimBase(endpoint.pathname);
    return pathStyle ? `${endpoint.protocol}//${endpoint.host}${path}/${this.bucket}` : `${endpoint.protocol}//${this.bucket}.${endpoint.host}${path}`;
  }
}

/** SigV4 dates have whole seconds: the URL stops working this many seconds after that second. */
function expiryOf(signingDate: Date, expiresInSeconds: number): Date {
  return new Date((Math.floor(signingDate.getTime() / 1000) + expiresInSeconds) * 1000);
}

/** A missing object (or, for HeadBucket, bucket); a missing bucket is not a missing object. */
function isNotFound(error: unknown): boolean {
  return error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404 && error.name !== "NoSuchBucket";
}
