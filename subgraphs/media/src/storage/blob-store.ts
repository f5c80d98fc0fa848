export type BlobVisibility = "public" | "private";

export interface PutOptions {
  contentType: string;
  /** Defaults to long-lived and immutable for keys under "public/" (their content never changes). */
  cacheControl?: string;
}

export interface StoredBlob {
  key: string;
  byteSize: number;
  contentType: string;
}

export interface PresignedPut {
  url: string;
  method: "PUT";
  /** Headers the client must send as they are (the byte count must also be exactly the declared one). */
  headers: { name: string; value: string }[];
  expiresAt: Date;
}

export interface ListedBlob {
  key: string;
  byteSize: number;
  lastModified: Date;
}

/**
 * Where media bytes live, whichever store holds them. Adapters: a folder on disk (the
 * default, served by the media subgraph's own routes) and any S3-compatible bucket; chosen
 * by STORAGE_DRIVER. Every method refuses a key that fails `checkBlobKey`.
 */
export interface BlobStore {
  readonly driver: "disk" | "s3";
  /** Streams a local file into the store (no whole-file buffering). Overwrites. */
  putFile(key: string, filePath: string, options: PutOptions): Promise<StoredBlob>;
  /** Streams a readable into the store. Overwrites. */
  putStream(key: string, body: NodeJS.ReadableStream, options: PutOptions): Promise<StoredBlob>;
  /** Copies the object to a local file (streamed); throws BlobNotFoundError. */
  download(key: string, toFilePath: string): Promise<void>;
  /** The object's size and content type, or null when absent. */
  head(key: string): Promise<StoredBlob | null>;
  /** Deletes the objects; absent keys are fine (idempotent). */
  delete(keys: readonly string[]): Promise<void>;
  /** Every key under a prefix (for orphan cleanup), paginated internally; in no promised order. */
  list(prefix: string): AsyncIterable<ListedBlob>;
  /** A short-lived URL the client PUTs exactly `byteSize` bytes of `contentType` to. */
  presignPut(key: string, options: { contentType: string; byteSize: number; expiresInSeconds: number }): Promise<PresignedPut>;
  /** A short-lived GET URL for a private object. */
  signedGetUrl(key: string, options: { expiresInSeconds: number }): Promise<string>;
  /** A permanent URL of a public object (key under "public/"): the CDN base when configured. */
  publicUrl(key: string): string;
  /** Creates the bucket/folder when missing. */
  ensureReady(): Promise<void>;
  close(): Promise<void>;
}

/** Keys under this prefix are world-readable at `publicUrl`; every other key is private. */
export const PUBLIC_PREFIX = "public/";

/** What public objects are served with unless the put said otherwise: their keys never get new content. */
export const IMMUTABLE_CACHE_CONTROL = "public, max-age=31536000, immutable";

export class BlobNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`No stored object has the key "${key}".`);
    this.name = "BlobNotFoundError";
  }
}

export class InvalidBlobKeyError extends Error {
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`Invalid blob key ${JSON.stringify(key.slice(0, 200))}: ${reason}.`);
    this.name = "InvalidBlobKeyError";
  }
}

const SEGMENT = /^[a-z0-9][a-z0-9_.-]*$/;
const MAX_KEY_LENGTH = 1024; // S3's limit
const MAX_SEGMENT_LENGTH = 255; // most file systems' limit on a name

/**
 * The one check every key passes before it reaches a path, a URL or a bucket: lower-case
 * segments of [a-z0-9_.-] that start with a letter or digit, joined by single slashes. No
 * `..` or `.` segment, no leading or doubled slash, no percent-encoding, no NUL can pass.
 */
export function blobKeyProblem(key: string): string | null {
  if (key.length === 0) return "it is empty";
  if (key.length > MAX_KEY_LENGTH) return `it is longer than ${MAX_KEY_LENGTH} characters`;
  for (const segment of key.split("/")) {
    if (!SEGMENT.test(segment)) return "each /-separated part must be lower-case letters, digits, '_', '.' or '-', starting with a letter or digit";
    if (segment.length > MAX_SEGMENT_LENGTH) return `a /-separated part is longer than ${MAX_SEGMENT_LENGTH} characters`;
  }
  return null;
}

export function checkBlobKey(key: string): string {
  const problem = blobKeyProblem(key);
  if (problem) throw new InvalidBlobKeyError(key, problem);
  return key;
}

/** A list prefix: empty (everything), or a key, optionally with a trailing slash. */
export function checkBlobPrefix(prefix: string): string {
  if (prefix === "") return prefix;
  const problem = blobKeyProblem(prefix.endsWith("/") ? prefix.slice(0, -1) : prefix);
  if (problem) throw new InvalidBlobKeyError(prefix, problem);
  return prefix;
}

/** What a private object opened anyway may do: nothing (a unique origin, no scripts, no fetches). */
export const PRIVATE_OBJECT_CSP = "sandbox; default-src 'none'";

/** `attachment`, named after the key's last part (a key is [a-z0-9_.-] only, so it needs no quoting rules). */
export function attachment(key: string): string {
  return `attachment; filename="${key.slice(key.lastIndexOf("/") + 1)}"`;
}

/** Public URLs exist only for keys under "public/": anything else would leak a private object. */
export function checkPublicKey(key: string): string {
  checkBlobKey(key);
  if (!key.startsWith(PUBLIC_PREFIX)) throw new InvalidBlobKeyError(key, `public URLs exist only for keys under "${PUBLIC_PREFIX}"`);
  return key;
}

export function defaultCacheControl(key: string, options: PutOptions): string | undefined {
  return options.cacheControl ?? (key.startsWith(PUBLIC_PREFIX) ? IMMUTABLE_CACHE_CONTROL : undefined);
}

export function checkUploadTerms(options: { contentType: string; byteSize: number; expiresInSeconds: number }): void {
  if (!Number.isSafeInteger(options.byteSize) || options.byteSize < 0)
    throw new RangeError(`byteSize must be a whole number of bytes (got ${options.byteSize})`);
  checkExpiry(options.expiresInSeconds);
  if (!/^[\x21-\x7e][\x20-\x7e]*$/.test(options.contentType))
    throw new RangeError(`contentType must be printable ASCII (got ${JSON.stringify(options.contentType)})`);
}

/** S3's presigned URLs live at most a week; the disk driver keeps the same bound. */
export function checkExpiry(expiresInSeconds: number): void {
  if (!Number.isSafeInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > 604_800)
    throw new RangeError(`expiresInSeconds must be a whole number from 1 to 604800 (got ${expiresInSeconds})`);
}

/** A base URL without its trailing slash, so `${base}/${key}` has exactly one. */
export function trimBase(url: string): string {
  return url.replace(/\/+$/, "");
}
