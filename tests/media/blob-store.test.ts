// Runs the BlobStore contract against both adapters: the disk driver behind its own routes on
// a real fastify server, and the S3 driver against a real s3rver. Then what only one adapter
// can show: the disk routes' refusals and traversal defences, and what the S3 driver signs
// (s3rver checks no signature, so those checks are ours).
import { createHash, createHmac, randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { request as httpRequest, type ClientRequest, type IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createHttpServer, createLogger, listen, loadConfig } from "@localex/common";
import { createBlobStore, DiskBlobStore, registerBlobRoutes, S3BlobStore, type BlobStore } from "../../subgraphs/media/src/storage/index.ts";
import { startS3rver, type StandIn } from "../harness/stand-ins.ts";
import { blobStoreContract, collect } from "./blob-store.contract.ts";

const SIGNING_SECRET = "blob-store-test-signing-secret-0123456789abcdef";

describe("BlobStore on disk, served by its routes", () => {
  let dir: string;
  let baseUrl: string | undefined;
  let store: DiskBlobStore;
  const app = createHttpServer(createLogger("silent"));
  const rawRequests: ClientRequest[] = [];
  const raw = (method: string, path: string, headers: Record<string, string>) => {
    const sent = rawRequest(baseUrl ?? "", method, path, headers);
    rawRequests.push(sent.request);
    return sent;
  };
  const diskStore = (options: { clock?: () => Date; cdnBaseUrl?: string } = {}) =>
    new DiskBlobStore({ root: join(dir, "media"), baseUrl: () => baseUrl, signingSecret: SIGNING_SECRET, ...options });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "localex-disk-blobs-"));
    store = diskStore();
    await store.ensureReady();
    await registerBlobRoutes(app, store);
    baseUrl = await listen(app, "127.0.0.1", 0);
  });

  afterAll(async () => {
    // A failed test may leave a request half-sent; the server would wait for it to finish.
    for (const request of rawRequests) request.destroy();
    try {
      await app.close();
    } finally {
      if (dir) await rm(dir, { recursive: true, force: true });
    }
  });

  blobStoreContract({ serverVerifiesSignatures: true }, () => ({ open: diskStore }));

  describe("upload route", () => {
    const put = async (key: string, body: Buffer, contentType = "image/png") => {
      const presigned = await store.presignPut(key, { contentType, byteSize: body.length, expiresInSeconds: 60 });
      return { presigned, url: new URL(presigned.url) };
    };

    it("says why it refuses, in JSON: forged 403, expired 403, wrong type 415, larger 413, shorter 400", async () => {
      const key = `routes/${randomUUID()}.png`;
      const { url } = await put(key, Buffer.alloc(100));
      const send = (target: URL | string, body: Buffer, contentType = "image/png") =>
        fetch(target, { method: "PUT", headers: { "Content-Type": contentType }, body });

      const forged = new URL(url);
      forged.searchParams.set("size", "100000000");
      const refusals: [Promise<Response>, number, RegExp][] = [
        [send(forged, Buffer.alloc(100)), 403, /signature is not valid/],
        [send(`${baseUrl}/blobs/${key}`, Buffer.alloc(100)), 403, /signature is not valid/],
        [send(url, Buffer.alloc(100), "text/html"), 415, /signed for Content-Type "image\/png"; the request has "text\/html"/],
        [send(url, Buffer.alloc(101)), 413, /signed for 100 bytes; the body is larger/],
        [send(url, Buffer.alloc(99)), 400, /signed for 100 bytes; the body had 99/],
      ];
      const expired = await diskStore({ clock: () => new Date(Date.now() - 120_000) }).presignPut(key, {
        contentType: "image/png",
        byteSize: 100,
        expiresInSeconds: 60,
      });
      refusals.push([send(expired.url, Buffer.alloc(100)), 403, /expired at/]);

      for (const [response, status, message] of refusals) {
        const answer = await response;
        expect(answer.status).toBe(status);
        expect(answer.headers.get("content-type")).toMatch(/^application\/json/);
        const body = (await answer.json()) as { errors: { message: string }[] };
        expect(body.errors[0]?.message).toMatch(message);
      }
      expect(await store.head(key)).toBeNull();
    });

    it("answers 413 as soon as a body of unknown length passes the signed size, without reading the rest", async () => {
      const key = `routes/${randomUUID()}.png`;
      const { url } = await put(key, Buffer.alloc(64 * 1024));
      // Chunked, and never ended: the answer must come from the size check, not from the body's end.
      const { response, request } = raw("PUT", `${url.pathname}${url.search}`, { "content-type": "image/png", "transfer-encoding": "chunked" });
      request.write(randomBytes(40 * 1024));
      request.write(randomBytes(40 * 1024));
      const answer = await response;
      expect(answer.statusCode).toBe(413);
      expect(answer.headers.connection).toBe("close");
      request.destroy();
      expect(await store.head(key)).toBeNull();
    });

    it("keeps an upload invisible until its last byte, and leaves nothing behind an aborted one", async () => {
      const key = `routes/${randomUUID()}/photo.png`;
      const body = randomBytes(256 * 1024);
      const { url } = await put(key, body);
      const path = `${url.pathname}${url.search}`;

      const complete = raw("PUT", path, { "content-type": "image/png", "content-length": String(body.length) });
      complete.request.write(body.subarray(0, 100_000));
      await vi.waitFor(async () => expect((await readdir(join(dir, "media", key, ".."))).length).toBeGreaterThan(0));
      expect(await store.head(key)).toBeNull();
      expect(await collect(store.list("routes/"))).not.toContainEqual(expect.objectContaining({ key }));
      complete.request.end(body.subarray(100_000));
      expect((await complete.response).statusCode).toBe(200);
      expect(await store.head(key)).toEqual({ key, byteSize: body.length, contentType: "image/png" });

      const otherKey = key.replace("photo.png", "other.png");
      const other = await put(otherKey, body);
      const aborted = raw("PUT", `${other.url.pathname}${other.url.search}`, { "content-type": "image/png", "content-length": String(body.length) });
      aborted.response.catch(() => {}); // the socket dies with the request
      aborted.request.write(body.subarray(0, 100_000));
      await vi.waitFor(async () => expect((await readdir(join(dir, "media", key, ".."))).some((name) => name.includes("other.png"))).toBe(true));
      aborted.request.destroy();
      // Only the finished upload remains: its file and its metadata, no temporary file.
      await vi.waitFor(async () => expect((await readdir(join(dir, "media", key, ".."))).sort()).toEqual([".photo.png.meta.json", "photo.png"]));
      expect(await store.head(otherKey)).toBeNull();
    });

    it("answers a CORS preflight from any origin, so browsers can upload directly", async () => {
      const { url } = await put(`routes/${randomUUID()}.png`, Buffer.alloc(1));
      const response = await fetch(url, {
        method: "OPTIONS",
        headers: { Origin: "https://app.localex.test", "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "content-type" },
      });
      expect(response.status).toBe(204);
      expect(response.headers.get("access-control-allow-origin")).toBe("*");
      expect(response.headers.get("access-control-allow-methods")).toContain("PUT");
      expect(response.headers.get("access-control-allow-headers")).toContain("content-type");
    });
  });

  // On disk only: a folder exists and is pruned when emptied. (s3rver, which keeps objects in
  // folders of its own, falls over under this test; S3 has no folders to race on.)
  it("stores into a folder while the folder's last objects are deleted, many at once: every put lands", async () => {
    // Seen under load: a delete pruned the emptied folder inside mkdir (between its own look and
    // its check of what it found), and an upload failed with ENOENT.
    const base = `race/${randomUUID()}`;
    for (let round = 0; round < 20; round++) {
      const old = Array.from({ length: 8 }, (_, i) => `${base}/old-${round}-${i}`);
      const fresh = Array.from({ length: 8 }, (_, i) => `${base}/new-${round}-${i}`);
      for (const key of old) await store.putStream(key, Readable.from([Buffer.from("o")]), { contentType: "image/png" });
      await Promise.all([
        ...old.map((key) => store.delete([key])),
        ...fresh.map((key) => store.putStream(key, Readable.from([Buffer.from("n")]), { contentType: "image/png" })),
      ]);
      for (const key of fresh) expect(await store.head(key), key).toMatchObject({ byteSize: 1 });
      await store.delete(fresh);
    }
    expect(await collect(store.list(`${base}/`))).toEqual([]);
  });

  describe("download routes", () => {
    it("serve nothing outside the storage folder, whatever the path says", async () => {
      await writeFile(join(dir, "secret.txt"), "TOP SECRET");
      await store.putStream("private/letter.pdf", Readable.from([Buffer.from("PRIVATE LETTER")]), { contentType: "application/pdf" });
      const paths = [
        "/public/../secret.txt",
        "/public/../../secret.txt",
        "/public/%2e%2e/secret.txt",
        "/public/%2E%2E%2Fsecret.txt",
        "/public/..%2fprivate%2fletter.pdf",
        "/public/../private/letter.pdf",
        "/public//etc/passwd",
        "/public/%2fetc%2fpasswd",
        "/public/letter.pdf%00.png",
        "/blobs/../secret.txt",
        "/blobs/%2e%2e/secret.txt",
        "/blobs/private%2fletter.pdf",
        "/blobs/private/letter.pdf",
        "/blobs//etc/passwd",
      ];
      for (const path of paths) {
        for (const method of ["GET", "PUT"]) {
          const { response, request } = raw(method, path, { "content-type": "text/plain", "content-length": "1" });
          request.end("x");
          const answer = await response;
          const text = await bodyText(answer);
          expect([400, 403, 404], `${method} ${path}`).toContain(answer.statusCode);
          expect(text).not.toMatch(/SECRET|PRIVATE|root:/);
        }
      }
      expect(await store.head("private/letter.pdf")).toEqual({ key: "private/letter.pdf", byteSize: 14, contentType: "application/pdf" });
    });

    it("serve a private object only through a signed URL, never at a public path", async () => {
      const key = `private/${randomUUID()}.pdf`;
      await store.putStream(key, Readable.from([Buffer.from("%PDF-1.7")]), { contentType: "application/pdf" });
      expect((await fetch(`${baseUrl}/blobs/${key}`)).status).toBe(403);
      expect((await fetch(`${baseUrl}/public/${key}`)).status).toBe(404);
      const signed = await fetch(await store.signedGetUrl(key, { expiresInSeconds: 120 }));
      expect(signed.status).toBe(200);
      expect(signed.headers.get("cache-control")).toMatch(/^private, max-age=1[12]\d$/);
      expect(signed.headers.get("x-content-type-options")).toBe("nosniff");
      expect(await signed.text()).toBe("%PDF-1.7");
    });

    it("answer 404 for a public object that is not there", async () => {
      expect((await fetch(`${baseUrl}/public/${randomUUID()}/nothing.webp`)).status).toBe(404);
    });
  });
});

/** s3rver's built-in account. */
const S3RVER_KEYS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

describe("BlobStore on S3 (s3rver)", () => {
  const bucket = `localex-test-${randomUUID().slice(0, 8)}`;
  let server: StandIn;
  let endpoint: string;
  const s3Store = (options: { clock?: () => Date; cdnBaseUrl?: string; bucket?: string } = {}) =>
    new S3BlobStore({
      bucket,
      endpoint,
      region: "us-east-1",
      credentials: S3RVER_KEYS,
      forcePathStyle: true,
      listPageSize: 2, // listing six keys takes several pages
      ...options,
    });

  beforeAll(async () => {
    server = await startS3rver({ bucket, ...S3RVER_KEYS });
    endpoint = server.url;
  });

  afterAll(async () => {
    await server?.stop();
  });

  blobStoreContract({ serverVerifiesSignatures: false }, () => ({ open: s3Store }));

  it("creates its bucket when missing, and again finds it there", async () => {
    const store = s3Store({ bucket: `localex-fresh-${randomUUID().slice(0, 8)}` });
    try {
      await store.ensureReady();
      await store.ensureReady();
      await store.putStream("first/object.txt", Readable.from([Buffer.from("hello")]), { contentType: "text/plain" });
      expect(await store.head("first/object.txt")).toEqual({ key: "first/object.txt", byteSize: 5, contentType: "text/plain" });
    } finally {
      await store.close();
    }
  });

  it("links public objects at the bucket's path-style URL when no CDN is configured", () => {
    expect(s3Store().publicUrl("public/a/b.webp")).toBe(`${endpoint}/${bucket}/public/a/b.webp`);
  });

  describe("what a presigned PUT signs (our check: s3rver verifies no signature)", () => {
    it("signs the content type and the content length, so S3 accepts only the declared upload", async () => {
      const store = s3Store();
      try {
        const presigned = await store.presignPut("uploads/x/original", { contentType: "image/jpeg", byteSize: 123_456, expiresInSeconds: 600 });
        const url = new URL(presigned.url);
        expect(url.searchParams.get("X-Amz-SignedHeaders")).toBe("content-length;content-type;host");
        expect(url.searchParams.get("X-Amz-Expires")).toBe("600");
        expect(presigned.expiresAt.getTime()).toBe(amzDate(url.searchParams.get("X-Amz-Date") ?? "").getTime() + 600_000);

        // SigV4 recomputed from the request a client would send: only the declared one matches.
        const signature = url.searchParams.get("X-Amz-Signature");
        const declared = { host: url.host, "content-type": "image/jpeg", "content-length": "123456" };
        expect(sigV4Presigned("PUT", url, declared, "S3RVER")).toBe(signature);
        expect(sigV4Presigned("PUT", url, { ...declared, "content-length": "123457" }, "S3RVER")).not.toBe(signature);
        expect(sigV4Presigned("PUT", url, { ...declared, "content-type": "text/html" }, "S3RVER")).not.toBe(signature);
      } finally {
        await store.close();
      }
    });
  });
});

describe("createBlobStore", () => {
  it("uses the disk driver by default, linking under MEDIA_PUBLIC_URL, or else the address the subgraph listens on", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "localex-blob-config-"));
    const stores: BlobStore[] = [];
    try {
      let listening: string | undefined;
      const byAddress = createBlobStore(loadConfig({ DATA_DIR: dataDir }).storage, { listeningUrl: () => listening });
      const byConfig = createBlobStore(loadConfig({ DATA_DIR: dataDir, MEDIA_PUBLIC_URL: "https://files.localex.test/" }).storage, {
        listeningUrl: () => listening,
      });
      stores.push(byAddress, byConfig);
      expect(byAddress.driver).toBe("disk");
      expect(() => byAddress.publicUrl("public/a.webp")).toThrow(/MEDIA_PUBLIC_URL/);
      listening = "http://127.0.0.1:4321";
      expect(byAddress.publicUrl("public/a.webp")).toBe("http://127.0.0.1:4321/public/a.webp");
      expect(byConfig.publicUrl("public/a.webp")).toBe("https://files.localex.test/public/a.webp");
      expect(await byConfig.signedGetUrl("private/a.pdf", { expiresInSeconds: 60 })).toMatch(
        /^https:\/\/files\.localex\.test\/blobs\/private\/a\.pdf\?expires=\d+&signature=/,
      );

      await byAddress.ensureReady();
      await byAddress.putStream("check/where.txt", Readable.from([Buffer.from("here")]), { contentType: "text/plain" });
      expect(await readdir(join(dataDir, "media", "check"))).toContain("where.txt");
    } finally {
      for (const store of stores) await store.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("uses S3 when STORAGE_DRIVER=s3, linking public objects under MEDIA_CDN_BASE_URL", async () => {
    const store = createBlobStore(
      loadConfig({
        STORAGE_DRIVER: "s3",
        S3_BUCKET: "localex-media",
        S3_ENDPOINT: "http://127.0.0.1:9000",
        S3_ACCESS_KEY_ID: "key",
        S3_SECRET_ACCESS_KEY: "secret",
        MEDIA_CDN_BASE_URL: "https://cdn.localex.test",
      }).storage,
    );
    try {
      expect(store.driver).toBe("s3");
      expect(store.publicUrl("public/a.webp")).toBe("https://cdn.localex.test/public/a.webp");
      expect(await store.signedGetUrl("private/a.pdf", { expiresInSeconds: 60 })).toMatch(/^http:\/\/127\.0\.0\.1:9000\/localex-media\/private\/a\.pdf\?/);
    } finally {
      await store.close();
    }
  });

  it("refuses half a pair of S3 credentials", () => {
    expect(() => createBlobStore(loadConfig({ STORAGE_DRIVER: "s3", S3_BUCKET: "localex-media", S3_ACCESS_KEY_ID: "key" }).storage)).toThrow(
      /S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY/,
    );
  });
});

// --- helpers ---------------------------------------------------------------------------------

/**
 * A request whose path is sent exactly as written (fetch would normalise `..` and encoding
 * away), and whose body the test writes piece by piece.
 */
function rawRequest(baseUrl: string, method: string, path: string, headers: Record<string, string>) {
  const base = new URL(baseUrl);
  const request = httpRequest({ host: base.hostname, port: base.port, method, path, headers });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    request.once("response", resolve);
    request.once("error", reject);
  });
  return { request, response };
}

function bodyText(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on("data", (chunk: Buffer) => chunks.push(chunk));
    response.once("end", () => resolve(Buffer.concat(chunks).toString()));
    response.once("error", reject);
  });
}

/** `20250102T030405Z` as a Date. */
function amzDate(text: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) throw new Error(`not an X-Amz-Date: ${text}`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}

/** AWS Signature V4 of a presigned request, from its URL and the headers a client sends. */
function sigV4Presigned(method: string, url: URL, headers: Record<string, string>, secretAccessKey: string): string {
  const query = url.searchParams;
  const encode = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const canonicalQuery = [...query.entries()]
    .filter(([name]) => name !== "X-Amz-Signature")
    .map(([name, value]) => `${encode(name)}=${encode(value)}`)
    .sort()
    .join("&");
  const signedHeaders = (query.get("X-Amz-SignedHeaders") ?? "").split(";");
  const canonicalHeaders = signedHeaders.map((name) => `${name}:${(headers[name] ?? "").trim()}\n`).join("");
  const canonicalRequest = [method, url.pathname, canonicalQuery, canonicalHeaders, signedHeaders.join(";"), "UNSIGNED-PAYLOAD"].join("\n");
  const [, date = "", region = "", service = ""] = (query.get("X-Amz-Credential") ?? "").split("/");
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", query.get("X-Amz-Date"), scope, createHash("sha256").update(canonicalRequest).digest("hex")].join("\n");
  let key: Buffer = Buffer.from(`AWS4${secretAccessKey}`);
  for (const part of [date, region, service, "aws4_request"]) key = createHmac("sha256", key).update(part).digest();
  return createHmac("sha256", key).update(stringToSign).digest("hex");
}
