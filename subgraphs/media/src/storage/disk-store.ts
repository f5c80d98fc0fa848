import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { copyFile, mkdir, open, readdir, readFile, rename, rm, rmdir, stat, unlink, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve, sep } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  BlobNotFoundError,
  blobKeyProblem,
  checkBlobKey,
  checkBlobPrefix,
  checkExpiry,
  checkPublicKey,
  checkUploadTerms,
  defaultCacheControl,
  InvalidBlobKeyError,
  trimBase,
  type BlobStore,
  type ListedBlob,
  type PresignedPut,
  type PutOptions,
  type StoredBlob,
} from "./blob-store.ts";
import { BlobUrlSigner, type UploadTerms } from "./signed-urls.ts";

export interface DiskBlobStoreOptions {
  /** The folder objects live under (by default `<DATA_DIR>/media`). */
  root: string;
  /**
   * Where disk-routes.ts is served, e.g. `http://127.0.0.1:4005`. A function when it is only
   * known once the media subgraph listens; it is asked each time a URL is made.
   */
  baseUrl: string | (() => string | undefined);
  /** Public URLs go here instead of `baseUrl` (a CDN whose origin is `baseUrl`). */
  cdnBaseUrl?: string;
  signingSecret: string;
  clock?: () => Date;
}

/** An object opened for serving: its bytes and what to say about them. */
export interface OpenedBlob {
  stream: Readable;
  byteSize: number;
  contentType: string;
  cacheControl: string | undefined;
  lastModified: Date;
}

/** A signed upload whose body is not the byte count the URL was signed for. */
export class UploadSizeError extends Error {
  constructor(
    readonly expected: number,
    readonly received: number | "more",
  ) {
    super(
      received === "more"
        ? `The upload URL was signed for ${expected} bytes; the body is larger.`
        : `The upload URL was signed for ${expected} bytes; the body had ${received}.`,
    );
    this.name = "UploadSizeError";
  }
}

interface BlobMeta {
  contentType: string;
  cacheControl?: string;
}

const UNKNOWN_TYPE = "application/octet-stream";

/**
 * Objects as files under `root`, at their key's path. Beside each object a dot-file holds its
 * content type; uploads go to a dot-named temporary file in the same folder and are renamed
 * into place, so no partial object is ever visible. Valid keys never start with a dot, so
 * these files can never be mistaken for objects. On disk a key cannot also be a folder of
 * other keys (`a` and `a/b`).
 */
export class DiskBlobStore implements BlobStore {
  readonly driver = "disk";
  readonly signer: BlobUrlSigner;
  private readonly root: string;

  constructor(private readonly options: DiskBlobStoreOptions) {
    this.root = resolve(options.root);
    this.signer = new BlobUrlSigner(options.signingSecret, options.clock);
  }

  async ensureReady(): Promise<void> {
    await mkdir(this.root, { recursive: true });
  }

  async close(): Promise<void> {}

  async putFile(key: string, filePath: string, options: PutOptions): Promise<StoredBlob> {
    return this.commit(key, this.meta(key, options), (temp) => copyFile(filePath, temp));
  }

  async putStream(key: string, body: NodeJS.ReadableStream, options: PutOptions): Promise<StoredBlob> {
    return this.commit(key, this.meta(key, options), (temp) => pipeline(body, createWriteStream(temp)));
  }

  /** A signed upload's body: exactly `terms.byteSize` bytes, else UploadSizeError and nothing stored. */
  async receiveUpload(key: string, body: Readable, terms: UploadTerms): Promise<StoredBlob> {
    return this.commit(key, this.meta(key, { contentType: terms.contentType }), async (temp) => {
      let received = 0;
      // Stops reading at the first byte too many; the request itself is left for the route to close.
      async function* atMostDeclared(): AsyncGenerator<Buffer> {
        for await (const chunk of body.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
          received += chunk.length;
          if (received > terms.byteSize) throw new UploadSizeError(terms.byteSize, "more");
          yield chunk;
        }
      }
      await pipeline(atMostDeclared(), createWriteStream(temp));
      if (received !== terms.byteSize) throw new UploadSizeError(terms.byteSize, received);
    });
  }

  async download(key: string, toFilePath: string): Promise<void> {
    const opened = await this.open(key);
    if (!opened) throw new BlobNotFoundError(key);
    try {
      await pipeline(opened.stream, createWriteStream(toFilePath));
    } catch (e) {
      await rm(toFilePath, { force: true });
      throw e;
    }
  }

  async head(key: string): Promise<StoredBlob | null> {
    const path = this.path(key);
    const stats = await stat(path).catch(absentAsNull);
    if (!stats?.isFile()) return null;
    const meta = await this.readMeta(path);
    return { key, byteSize: stats.size, contentType: meta.contentType };
  }

  /** The object's bytes and metadata for serving, or null when absent. */
  async open(key: string): Promise<OpenedBlob | null> {
    const path = this.path(key);
    // One handle: bytes and size stay those of one version even if an upload renames over it.
    const handle = await open(path, "r").catch(absentAsNull);
    if (!handle) return null;
    const stats = await handle.stat();
    if (!stats.isFile()) {
      await handle.close();
      return null;
    }
    const meta = await this.readMeta(path);
    return {
      stream: handle.createReadStream(),
      byteSize: stats.size,
      contentType: meta.contentType,
      cacheControl: meta.cacheControl,
      lastModified: stats.mtime,
    };
  }

  async delete(keys: readonly string[]): Promise<void> {
    const paths = keys.map((key) => this.path(key)); // every key checked before anything is removed
    for (const path of paths) {
      await unlink(path).catch(absentAsNull); // a folder at the path is no object either
      await unlink(metaPath(path)).catch(absentAsNull);
      await this.pruneEmptyFolders(dirname(path));
    }
  }

  async *list(prefix: string): AsyncIterable<ListedBlob> {
    checkBlobPrefix(prefix);
    // Start in the deepest folder the prefix names in full.
    const folderKey = prefix.includes("/") ? prefix.slice(0, prefix.lastIndexOf("/")) : "";
    yield* this.walk(folderKey, prefix);
  }

  async presignPut(key: string, options: { contentType: string; byteSize: number; expiresInSeconds: number }): Promise<PresignedPut> {
    checkBlobKey(key);
    checkUploadTerms(options);
    const expiresAt = this.expiry(options.expiresInSeconds);
    const upload = { contentType: options.contentType, byteSize: options.byteSize };
    const query = this.signer.sign({ method: "PUT", key, expiresAt, upload });
    return {
      url: `${this.baseUrl()}/blobs/${key}?${query}`,
      method: "PUT",
      headers: [{ name: "Content-Type", value: options.contentType }],
      expiresAt,
    };
  }

  async signedGetUrl(key: string, options: { expiresInSeconds: number }): Promise<string> {
    checkBlobKey(key);
    checkExpiry(options.expiresInSeconds);
    const query = this.signer.sign({ method: "GET", key, expiresAt: this.expiry(options.expiresInSeconds) });
    return `${this.baseUrl()}/blobs/${key}?${query}`;
  }

  publicUrl(key: string): string {
    checkPublicKey(key);
    // The routes serve `public/<rest>` at `/public/<rest>`, so a CDN in front of them takes the key as its path.
    return `${this.options.cdnBaseUrl ? trimBase(this.options.cdnBaseUrl) : this.baseUrl()}/${key}`;
  }

  /** The file of a key; the key check alone keeps it under root, the second test is a backstop. */
  private path(key: string): string {
    checkBlobKey(key);
    const path = resolve(this.root, key);
    if (!path.startsWith(this.root + sep)) throw new InvalidBlobKeyError(key, "it leaves the storage folder");
    return path;
  }

  private meta(key: string, options: PutOptions): BlobMeta {
    const cacheControl = defaultCacheControl(key, options);
    return cacheControl ? { contentType: options.contentType, cacheControl } : { contentType: options.contentType };
  }

  /**
   * Fills a temporary file beside the object, then renames its metadata and then the file
   * into place: a visible object always has its metadata.
   */
  private async commit(key: string, meta: BlobMeta, fill: (tempPath: string) => Promise<void>): Promise<StoredBlob> {
    const path = this.path(key);
    const temp = join(dirname(path), `.${basename(path)}.${randomUUID()}.tmp`);
    const metaTemp = `${temp}.meta`;
    try {
      await this.createEmpty(temp);
      await fill(temp);
      const { size } = await stat(temp);
      await writeFile(metaTemp, JSON.stringify(meta));
      await rename(metaTemp, metaPath(path));
      await rename(temp, path);
      return { key, byteSize: size, contentType: meta.contentType };
    } catch (e) {
      await rm(temp, { force: true });
      await rm(metaTemp, { force: true });
      if (isCode(e, "EISDIR") || isCode(e, "ENOTDIR") || isCode(e, "EEXIST"))
        throw new InvalidBlobKeyError(key, "on disk, a key cannot also be a folder of other keys");
      throw e;
    }
  }

  /** The temporary file, empty; while it exists, `delete` cannot prune its folder away. */
  private async createEmpty(temp: string): Promise<void> {
    const folder = dirname(temp);
    for (let attempt = 1; ; attempt++) {
      try {
        await mkdir(folder, { recursive: true });
        await (await open(temp, "wx")).close();
        return;
      } catch (e) {
        if (attempt === 5 || !(await prunedMeanwhile(folder, e))) throw e;
      }
    }
  }

  private async readMeta(path: string): Promise<BlobMeta> {
    const text = await readFile(metaPath(path), "utf8").catch(absentAsNull);
    const parsed: unknown = text === null ? null : parseJson(text);
    if (typeof parsed !== "object" || parsed === null) return { contentType: UNKNOWN_TYPE };
    const { contentType, cacheControl } = parsed as Record<string, unknown>;
    return {
      contentType: typeof contentType === "string" ? contentType : UNKNOWN_TYPE,
      ...(typeof cacheControl === "string" ? { cacheControl } : {}),
    };
  }

  private async pruneEmptyFolders(folder: string): Promise<void> {
    for (let dir = folder; dir.startsWith(this.root + sep); dir = dirname(dir)) {
      try {
        await rmdir(dir);
      } catch {
        return; // not empty (or already gone): its parents are not empty either
      }
    }
  }

  private async *walk(folderKey: string, prefix: string): AsyncGenerator<ListedBlob> {
    const folder = folderKey ? join(this.root, folderKey) : this.root;
    const entries = await readdir(folder, { withFileTypes: true }).catch(absentAsNull);
    for (const entry of (entries ?? []).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const key = folderKey ? `${folderKey}/${entry.name}` : entry.name;
      // Dot-files are our temporary files and metadata; other odd names were not put by us.
      if (blobKeyProblem(key) !== null) continue;
      if (entry.isDirectory()) {
        if (`${key}/`.startsWith(prefix)) yield* this.walk(key, prefix);
      } else if (entry.isFile() && key.startsWith(prefix)) {
        const stats = await stat(join(folder, entry.name)).catch(absentAsNull);
        if (stats) yield { key, byteSize: stats.size, lastModified: stats.mtime };
      }
    }
  }

  private expiry(expiresInSeconds: number): Date {
    // Whole seconds: the URL carries seconds, and expiresAt must be the moment it stops working.
    return new Date((Math.floor(this.signer.now().getTime() / 1000) + expiresInSeconds) * 1000);
  }

  private baseUrl(): string {
    const base = typeof this.options.baseUrl === "function" ? this.options.baseUrl() : this.options.baseUrl;
    if (!base) throw new Error("The media file URLs have no base yet: set MEDIA_PUBLIC_URL, or make URLs only once the media subgraph listens.");
    return trimBase(base);
  }
}

function metaPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.meta.json`);
}

function isCode(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

/** For lookups where "no such file" (or a file where a folder was expected, or the reverse) means absent. */
function absentAsNull(error: unknown): null {
  if (isCode(error, "ENOENT") || isCode(error, "ENOTDIR") || isCode(error, "EISDIR")) return null;
  throw error;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null; // a torn or foreign metadata file: the object is still served, as bytes of unknown type
  }
}

/**
 * Whether `error`, from making `folder` and a file in it, came of a concurrent delete pruning the
 * folder (between mkdir and open, or inside mkdir, which found it and then did not when it
 * checked what it found: ENOENT or EEXIST): then it is made again. A file where a folder must be
 * is not that, and is thrown.
 */
async function prunedMeanwhile(folder: string, error: unknown): Promise<boolean> {
  if (isCode(error, "ENOENT")) return true;
  if (!isCode(error, "EEXIST") && !isCode(error, "ENOTDIR")) return false;
  const found = await stat(folder).catch((e: unknown) => (isCode(e, "ENOENT") ? null : undefined));
  return found === null || (found !== undefined && found.isDirectory());
}
