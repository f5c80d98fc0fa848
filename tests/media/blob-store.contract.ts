// The behaviour every BlobStore adapter must have, run against each by blob-store.test.ts.
// Presigned and signed URLs are exercised over real HTTP, as a client would. Each test uses
// keys of its own (a random folder), so tests share one store.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BlobNotFoundError, IMMUTABLE_CACHE_CONTROL, InvalidBlobKeyError, type BlobStore, type PresignedPut } from "../../subgraphs/media/src/storage/index.ts";

export interface BlobStoreFixture {
  /**
   * A store on the storage under test. Options change only how it signs and links: a clock
   * to sign as if at another time, a CDN base for public URLs. The contract closes it.
   */
  open(options?: { clock?: () => Date; cdnBaseUrl?: string }): BlobStore;
}

export interface BlobStoreTraits {
  /** Whether the server behind signed URLs verifies their signatures (s3rver verifies none). */
  serverVerifiesSignatures: boolean;
}

/** Keys that must never reach a path, a URL or a bucket. */
export const HOSTILE_KEYS: readonly string[] = [
  "../escape",
  "photos/../../escape",
  "photos/./x",
  "/etc/passwd",
  "photos//x",
  "photos/x/",
  ".hidden",
  "photos/%2e%2e/x",
  "photos%2fx",
  "photos/x\u0000.png",
  "photos\\..\\x",
  "Photos/X",
  "",
  `photos/${"x".repeat(300)}`,
];

export function blobStoreContract(traits: BlobStoreTraits, fixture: () => BlobStoreFixture): void {
  let store: BlobStore;
  let scratch: string;
  const folder = () => `contract/${randomUUID()}`;

  beforeAll(async () => {
    store = fixture().open();
    await store.ensureReady();
    scratch = await mkdtemp(join(tmpdir(), "localex-blob-contract-"));
  });

  afterAll(async () => {
    await store?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  /** Another store on the same storage, closed after `use`. */
  async function withStore<T>(options: { clock?: () => Date; cdnBaseUrl?: string }, use: (other: BlobStore) => Promise<T>): Promise<T> {
    const other = fixture().open(options);
    try {
      return await use(other);
    } finally {
      await other.close();
    }
  }

  async function downloaded(key: string): Promise<Buffer> {
    const path = join(scratch, randomUUID());
    await store.download(key, path);
    return readFile(path);
  }

  function upload(presigned: PresignedPut, body: Buffer, headers: Record<string, string> = {}): Promise<Response> {
    const given = Object.fromEntries(presigned.headers.map((h) => [h.name, h.value]));
    return fetch(presigned.url, { method: presigned.method, headers: { ...given, ...headers }, body });
  }

  const hourAgo = () => new Date(Date.now() - 3_600_000);

  describe("storing and reading back", () => {
    it("stores a multi-MB file and reads back the same bytes, size and type", async () => {
      const key = `${folder()}/original.jpg`;
      const bytes = randomBytes(6 * 1024 * 1024 + 123); // more than one 5 MiB multipart part on S3
      const source = join(scratch, `${randomUUID()}.bin`);
      await writeFile(source, bytes);

      expect(await store.putFile(key, source, { contentType: "image/jpeg" })).toEqual({ key, byteSize: bytes.length, contentType: "image/jpeg" });
      expect(await store.head(key)).toEqual({ key, byteSize: bytes.length, contentType: "image/jpeg" });
      const copy = await downloaded(key);
      expect(copy.length).toBe(bytes.length);
      expect(sha256(copy)).toBe(sha256(bytes));
    });

    it("stores a stream whose length is not known up front", async () => {
      const key = `${folder()}/streamed.webp`;
      const chunks = Array.from({ length: 40 }, (_, i) => randomBytes(10_000 + i));
      const expected = Buffer.concat(chunks);
      const stored = await store.putStream(key, Readable.from(chunks), { contentType: "image/webp" });
      expect(stored).toEqual({ key, byteSize: expected.length, contentType: "image/webp" });
      expect(await store.head(key)).toEqual(stored);
      expect(sha256(await downloaded(key))).toBe(sha256(expected));
    });

    it("overwrites an object: new bytes, new size, new type", async () => {
      const key = `${folder()}/avatar`;
      await store.putStream(key, Readable.from([Buffer.from("first version, longer")]), { contentType: "text/plain" });
      await store.putStream(key, Readable.from([Buffer.from("second")]), { contentType: "image/png" });
      expect(await store.head(key)).toEqual({ key, byteSize: 6, contentType: "image/png" });
      expect((await downloaded(key)).toString()).toBe("second");
    });

    it("has no object under a key never put: head is null, download throws BlobNotFoundError and writes nothing", async () => {
      const key = `${folder()}/missing.png`;
      const target = join(scratch, randomUUID());
      expect(await store.head(key)).toBeNull();
      await expect(store.download(key, target)).rejects.toBeInstanceOf(BlobNotFoundError);
      await expect(stat(target)).rejects.toMatchObject({ code: "ENOENT" });
    });
  });

  describe("deleting and listing", () => {
    it("deletes objects idempotently, absent keys included", async () => {
      const base = folder();
      const [a, b] = [`${base}/a.png`, `${base}/b.png`];
      await store.putStream(a, Readable.from([Buffer.from("a")]), { contentType: "image/png" });
      await store.putStream(b, Readable.from([Buffer.from("b")]), { contentType: "image/png" });

      await store.delete([a, b, `${base}/never-there.png`]);
      expect(await store.head(a)).toBeNull();
      expect(await store.head(b)).toBeNull();
      await expect(store.download(a, join(scratch, randomUUID()))).rejects.toBeInstanceOf(BlobNotFoundError);
      await store.delete([a, b]);
      await store.delete([]);
      expect(await collect(store.list(`${base}/`))).toEqual([]);
    });

    it("lists every key under a prefix with its size, across pages, and nothing beside it", async () => {
      const base = folder();
      const inside = [...Array.from({ length: 5 }, (_, i) => `${base}/photos/p${i}.jpg`), `${base}/photos/deeper/d.jpg`];
      const beside = [`${base}/photos-old/x.jpg`, `${base}/other.jpg`];
      for (const [i, key] of [...inside, ...beside].entries()) {
        await store.putStream(key, Readable.from([Buffer.alloc(i + 1)]), { contentType: "image/jpeg" });
      }
      const listed = (await collect(store.list(`${base}/photos/`))).sort((x, y) => (x.key < y.key ? -1 : 1));
      expect(listed.map((o) => o.key)).toEqual([...inside].sort());
      expect(listed.find((o) => o.key === `${base}/photos/p3.jpg`)?.byteSize).toBe(4);
      for (const o of listed) expect(Math.abs(o.lastModified.getTime() - Date.now())).toBeLessThan(5 * 60_000);

      // A prefix need not end at a folder.
      expect((await collect(store.list(`${base}/photos-`))).map((o) => o.key)).toEqual([`${base}/photos-old/x.jpg`]);
      expect(await collect(store.list(`${base}/nothing-here/`))).toEqual([]);
    });
  });

  describe("presigned uploads", () => {
    it("accept exactly the declared bytes of the declared type; the object then heads as declared", async () => {
      const key = `${folder()}/upload.png`;
      const body = randomBytes(200_000);
      const before = Date.now();
      const presigned = await store.presignPut(key, { contentType: "image/png", byteSize: body.length, expiresInSeconds: 300 });
      expect(presigned.method).toBe("PUT");
      expect(presigned.headers).toContainEqual({ name: "Content-Type", value: "image/png" });
      expect(presigned.expiresAt.getTime()).toBeGreaterThan(before + 298_000);
      expect(presigned.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 300_000);

      const response = await upload(presigned, body);
      expect(response.status).toBe(200);
      expect(await store.head(key)).toEqual({ key, byteSize: body.length, contentType: "image/png" });
      expect(sha256(await downloaded(key))).toBe(sha256(body));
    });

    it("are refused once expired, and store nothing", async () => {
      const key = `${folder()}/late.png`;
      const presigned = await withStore({ clock: hourAgo }, (past) => past.presignPut(key, { contentType: "image/png", byteSize: 3, expiresInSeconds: 60 }));
      expect(presigned.expiresAt.getTime()).toBeLessThan(Date.now());
      const response = await upload(presigned, Buffer.from("png"));
      expect(response.status).toBe(403);
      expect(await store.head(key)).toBeNull();
    });

    describe.skipIf(!traits.serverVerifiesSignatures)("checked by the server (disk: our route; s3rver checks no signature)", () => {
      it("refuse a body longer or shorter than declared, and store nothing", async () => {
        const key = `${folder()}/sized.png`;
        const presigned = await store.presignPut(key, { contentType: "image/png", byteSize: 1000, expiresInSeconds: 300 });
        expect((await upload(presigned, randomBytes(1010))).ok).toBe(false);
        expect((await upload(presigned, randomBytes(990))).ok).toBe(false);
        expect(await store.head(key)).toBeNull();
      });

      it("refuse another content type, and store nothing", async () => {
        const key = `${folder()}/typed.png`;
        const presigned = await store.presignPut(key, { contentType: "image/png", byteSize: 4, expiresInSeconds: 300 });
        expect((await upload(presigned, Buffer.from("<h1>"), { "Content-Type": "text/html" })).ok).toBe(false);
        expect(await store.head(key)).toBeNull();
      });

      it("refuse a URL whose key was changed", async () => {
        const base = folder();
        const presigned = await store.presignPut(`${base}/mine.png`, { contentType: "image/png", byteSize: 3, expiresInSeconds: 300 });
        const redirected = { ...presigned, url: presigned.url.replace("/mine.png", "/theirs.png") };
        expect((await upload(redirected, Buffer.from("png"))).ok).toBe(false);
        expect(await store.head(`${base}/theirs.png`)).toBeNull();
      });
    });
  });

  describe("signed downloads", () => {
    it("read a private object", async () => {
      const key = `${folder()}/contract.pdf`;
      const body = randomBytes(50_000);
      await store.putStream(key, Readable.from([body]), { contentType: "application/pdf" });
      const response = await fetch(await store.signedGetUrl(key, { expiresInSeconds: 60 }));
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("application/pdf");
      expect(sha256(Buffer.from(await response.arrayBuffer()))).toBe(sha256(body));
      // A private object is downloaded, never rendered on the store's origin.
      expect(response.headers.get("content-disposition")).toBe('attachment; filename="contract.pdf"');
    });

    it("are refused once expired", async () => {
      const key = `${folder()}/old.pdf`;
      await store.putStream(key, Readable.from([Buffer.from("%PDF")]), { contentType: "application/pdf" });
      const url = await withStore({ clock: hourAgo }, (past) => past.signedGetUrl(key, { expiresInSeconds: 60 }));
      expect((await fetch(url)).status).toBe(403);
    });

    it.skipIf(!traits.serverVerifiesSignatures)("are refused when tampered with (disk: our route; s3rver checks no signature)", async () => {
      const base = folder();
      await store.putStream(`${base}/mine.pdf`, Readable.from([Buffer.from("mine")]), { contentType: "application/pdf" });
      await store.putStream(`${base}/theirs.pdf`, Readable.from([Buffer.from("theirs")]), { contentType: "application/pdf" });
      const url = new URL(await store.signedGetUrl(`${base}/mine.pdf`, { expiresInSeconds: 60 }));

      const otherKey = new URL(url.href.replace("/mine.pdf", "/theirs.pdf"));
      const longer = new URL(url.href);
      for (const name of ["expires", "X-Amz-Expires"]) if (longer.searchParams.has(name)) longer.searchParams.set(name, "604800");
      const flipped = new URL(url.href);
      for (const name of ["signature", "X-Amz-Signature"]) {
        const value = flipped.searchParams.get(name);
        if (value) flipped.searchParams.set(name, (value[0] === "A" ? "B" : "A") + value.slice(1));
      }
      for (const tampered of [otherKey, longer, flipped]) {
        expect(tampered.href).not.toBe(url.href);
        expect((await fetch(tampered)).status).toBe(403);
      }
    });
  });

  describe("public objects", () => {
    it("are served at their public URL with their type and a long-lived cache header", async () => {
      const key = `public/${randomUUID()}/thumbnail.webp`;
      const body = randomBytes(30_000);
      await store.putStream(key, Readable.from([body]), { contentType: "image/webp" });
      const response = await fetch(store.publicUrl(key));
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("image/webp");
      expect(response.headers.get("cache-control")).toBe(IMMUTABLE_CACHE_CONTROL);
      expect(sha256(Buffer.from(await response.arrayBuffer()))).toBe(sha256(body));
    });

    it("are linked under the CDN base when one is configured", async () => {
      const key = `public/${randomUUID()}/medium.webp`;
      const url = await withStore({ cdnBaseUrl: "https://cdn.localex.test/media/" }, async (withCdn) => withCdn.publicUrl(key));
      expect(url).toBe(`https://cdn.localex.test/media/${key}`);
    });

    it("exist only under public/: a private key has no public URL", () => {
      expect(() => store.publicUrl(`${folder()}/private.pdf`)).toThrow(InvalidBlobKeyError);
      expect(() => store.publicUrl("publicity/x.png")).toThrow(InvalidBlobKeyError);
    });
  });

  describe("hostile keys", () => {
    it("are refused by every method, before anything is stored, read or deleted", async () => {
      const source = join(scratch, `${randomUUID()}.bin`);
      await writeFile(source, "x");
      for (const key of HOSTILE_KEYS) {
        const why = `key ${JSON.stringify(key)}`;
        await expect(store.putFile(key, source, { contentType: "image/png" }), why).rejects.toBeInstanceOf(InvalidBlobKeyError);
        await expect(store.putStream(key, Readable.from([Buffer.from("x")]), { contentType: "image/png" }), why).rejects.toBeInstanceOf(InvalidBlobKeyError);
        await expect(store.head(key), why).rejects.toBeInstanceOf(InvalidBlobKeyError);
        await expect(store.download(key, join(scratch, randomUUID())), why).rejects.toBeInstanceOf(InvalidBlobKeyError);
        await expect(store.delete([key]), why).rejects.toBeInstanceOf(InvalidBlobKeyError);
        await expect(store.presignPut(key, { contentType: "image/png", byteSize: 1, expiresInSeconds: 60 }), why).rejects.toBeInstanceOf(InvalidBlobKeyError);
        await expect(store.signedGetUrl(key, { expiresInSeconds: 60 }), why).rejects.toBeInstanceOf(InvalidBlobKeyError);
        expect(() => store.publicUrl(`public/${key}`), why).toThrow(InvalidBlobKeyError);
      }
      for (const prefix of ["../", "photos/../", "/etc", "photos//", ".hidden", "photos/%2e%2e/", "Photos/"]) {
        await expect(collect(store.list(prefix)), `prefix ${prefix}`).rejects.toBeInstanceOf(InvalidBlobKeyError);
      }
    });
  });
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

export function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}
