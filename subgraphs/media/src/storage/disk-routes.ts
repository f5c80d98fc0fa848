import { Readable } from "node:stream";
import { errorBody, PacedUpload, UploadTooSlow, type createHttpServer, type ErrorCode, type UploadPace } from "@localex/common";
import { attachment, blobKeyProblem, IMMUTABLE_CACHE_CONTROL, PRIVATE_OBJECT_CSP, PUBLIC_PREFIX } from "./blob-store.ts";
import { UploadSizeError, type DiskBlobStore, type OpenedBlob } from "./disk-store.ts";

// fastify's types through @localex/common, which owns the dependency on fastify.
type HttpServer = ReturnType<typeof createHttpServer>;

/** The part of fastify's reply the helpers below use. */
interface Reply {
  code(status: number): Reply;
  header(name: string, value: string | number): Reply;
  send(payload?: unknown): Reply;
}

export interface DiskBlobRoutesOptions {
  store: DiskBlobStore;
  /**
   * Whether a signed upload URL for this key may still be used (media: only until its upload is
   * completed). A signature proves who signed the URL, not that it has not been used; without
   * this hook a URL works until it expires.
   */
  acceptsUpload?: (key: string) => Promise<boolean>;
  /** The pace an upload's bytes must keep (UPLOAD_MIN_BYTES_PER_SECOND…): slower is refused with 408. Unset: any. */
  pace?: UploadPace;
}

/**
 * Serves the disk driver's URLs: `PUT /blobs/<key>?…` (a signed upload), `GET /blobs/<key>?…`
 * (a signed download of a private object) and `GET /public/<rest>` (the public object
 * `public/<rest>`). Register it without a prefix, as an encapsulated plugin (its content type
 * parser and CORS headers stay inside): `await app.register(diskBlobRoutes, { store })`.
 */
export async function diskBlobRoutes(app: HttpServer, { store, acceptsUpload, pace }: DiskBlobRoutesOptions): Promise<void> {
  if (app.prefix) throw new Error(`diskBlobRoutes must be registered without a prefix (got "${app.prefix}"): the store's URLs start at /blobs and /public.`);

  // Upload bodies reach the handler as the raw stream, whatever their type (the signed URL
  // says which type is allowed) and whatever their size (the signed URL says that too).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", (_request, payload, done) => done(null, payload));

  // Signed URLs are bearer capabilities and public objects are public: any origin may use them.
  app.addHook("onRequest", async (_request, reply) => {
    void reply.header("access-control-allow-origin", "*");
  });
  app.options("/blobs/*", async (_request, reply) =>
    reply
      .code(204)
      .header("access-control-allow-methods", "GET, PUT")
      .header("access-control-allow-headers", "content-type")
      .header("access-control-max-age", "86400")
      .send(),
  );

  app.put("/blobs/*", async (request, reply) => {
    // Until the body is read, a refusal closes the connection rather than reading what is left.
    const key = keyIn(request.url, "/blobs/");
    if (!key) return refuse(reply.header("connection", "close"), 400, "BAD_REQUEST", "The object key in the URL is not valid.");
    const verdict = store.signer.verify("PUT", key, queryOf(request.url));
    if (!verdict.ok || !verdict.upload)
      return refuse(reply.header("connection", "close"), 403, "FORBIDDEN", verdict.ok ? "This URL is not an upload URL." : verdict.message);
    const terms = verdict.upload;
    if (acceptsUpload && !(await acceptsUpload(key))) {
      return refuse(
        reply.header("connection", "close"),
        409,
        "UPLOAD_USED",
        "This upload URL has been used: the upload is complete or gone. Start a new upload.",
      );
    }

    const type = request.headers["content-type"]?.trim();
    if (type !== terms.contentType)
      return refuse(
        reply.header("connection", "close"),
        415,
        "UNSUPPORTED_MEDIA_TYPE",
        `The upload URL was signed for Content-Type "${terms.contentType}"; the request has ${type ? `"${type}"` : "none"}.`,
      );
    const length = request.headers["content-length"];
    if (length !== undefined && Number(length) !== terms.byteSize) {
      const tooLarge = Number(length) > terms.byteSize;
      return refuse(
        reply.header("connection", "close"),
        tooLarge ? 413 : 400,
        tooLarge ? "PAYLOAD_TOO_LARGE" : "BAD_REQUEST",
        new UploadSizeError(terms.byteSize, tooLarge ? "more" : Number(length)).message,
      );
    }

    if (!(request.body instanceof Readable)) throw new Error("the upload body did not arrive as a stream");
    // Timed, so a client trickling the bytes cannot hold the request open as long as it likes.
    const body = pace ? new PacedUpload(request.body, pace) : request.body;
    try {
      const stored = await store.receiveUpload(key, body, terms);
      return reply.code(200).send(stored);
    } catch (e) {
      // Nothing was stored (the temporary file is gone); the rest of the body is not read.
      if (e instanceof UploadTooSlow) return refuse(reply.header("connection", "close"), 408, e.code, e.message);
      // The client went away mid-upload: nothing was stored, and this is no server fault to log.
      if (!(e instanceof UploadSizeError) && request.raw.readableAborted)
        return refuse(reply, 400, "BAD_REQUEST", "The upload was interrupted before its last byte.");
      if (!(e instanceof UploadSizeError)) throw e;
      // Larger: reading stopped at the first byte too many, so the connection cannot be reused.
      if (e.received === "more") return refuse(reply.header("connection", "close"), 413, "PAYLOAD_TOO_LARGE", e.message);
      return refuse(reply, 400, "BAD_REQUEST", e.message);
    } finally {
      if (body !== request.body) body.destroy(); // done timing, whatever the outcome
    }
  });

  app.get("/blobs/*", async (request, reply) => {
    const key = keyIn(request.url, "/blobs/");
    if (!key) return refuse(reply, 400, "BAD_REQUEST", "The object key in the URL is not valid.");
    const verdict = store.signer.verify("GET", key, queryOf(request.url));
    if (!verdict.ok) return refuse(reply, 403, "FORBIDDEN", verdict.message);
    const blob = await store.open(key);
    if (!blob) return notFound(reply);
    // Cacheable by the browser for as long as the URL itself works, by no one else.
    const secondsLeft = Math.max(0, Math.floor((verdict.expiresAt.getTime() - store.signer.now().getTime()) / 1000));
    // Private objects (members' documents, export archives) are downloaded, never rendered on
    // this origin: a PDF's script or an image that is really HTML would run here otherwise.
    return serve(
      reply.header("content-disposition", attachment(key)).header("content-security-policy", PRIVATE_OBJECT_CSP),
      blob,
      `private, max-age=${secondsLeft}`,
    );
  });

  app.get("/public/*", async (request, reply) => {
    const rest = keyIn(request.url, "/public/");
    const blob = rest ? await store.open(`${PUBLIC_PREFIX}${rest}`) : null;
    if (!blob) return notFound(reply);
    return serve(reply, blob, blob.cacheControl ?? IMMUTABLE_CACHE_CONTROL);
  });
}

/**
 * The key in a request's path, read from the raw URL and never decoded: percent-encoding
 * (`%2e%2e`, `%2f`, `%00`) and every other traversal fail the one key check.
 */
function keyIn(url: string, routePrefix: string): string | null {
  const path = url.split("?", 1)[0] ?? "";
  if (!path.startsWith(routePrefix)) return null;
  const key = path.slice(routePrefix.length);
  return blobKeyProblem(key) === null ? key : null;
}

function queryOf(url: string): URLSearchParams {
  const at = url.indexOf("?");
  return new URLSearchParams(at === -1 ? "" : url.slice(at + 1));
}

function serve(reply: Reply, blob: OpenedBlob, cacheControl: string): Reply {
  return (
    reply
      .header("content-type", blob.contentType)
      .header("content-length", blob.byteSize)
      .header("cache-control", cacheControl)
      .header("last-modified", blob.lastModified.toUTCString())
      // Stored bytes are served as the type they were stored with, never sniffed into HTML.
      .header("x-content-type-options", "nosniff")
      .send(blob.stream)
  );
}

/** Refusals have the same JSON shape as the server's other HTTP-level errors (http.ts). */
function refuse(reply: Reply, status: number, code: ErrorCode, message: string): Reply {
  return reply.code(status).send(errorBody(code, message));
}

function notFound(reply: Reply): Reply {
  return refuse(reply, 404, "NOT_FOUND", "No object is stored at this URL.");
}
