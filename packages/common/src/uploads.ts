import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { FileUpload } from "graphql-upload/processRequest.mjs";
import processRequest from "graphql-upload/processRequest.mjs";
import Upload from "graphql-upload/Upload.mjs";
import type { Config } from "./config.ts";
import type { ErrorCode } from "./error-codes.ts";
import { MAX_BODY_BYTES } from "./http.ts";
import { errorBody } from "./errors.ts";
import { PacedUpload, UploadTooSlow, type UploadPace } from "./upload-pace.ts";

export { Upload, type FileUpload };

/** Limits of a GraphQL multipart request (https://github.com/jaydenseric/graphql-multipart-request-spec). */
export interface UploadLimits {
  /** Largest file, in bytes. */
  maxFileSize: number;
  /** Most files in one request. */
  maxFiles: number;
  /** Largest `operations` or `map` field, in bytes. */
  maxFieldSize: number;
}

/** Files in one multipart request: a few photos at a time. */
export const MAX_FILES_PER_REQUEST = 4;

/**
 * The limits of a multipart request, alike where the client's bytes arrive (the gateway) and
 * where they are used (media), so a request the gateway lets through is never refused behind it
 * for its size.
 */
export function uploadLimits(config: Pick<Config, "uploads">): UploadLimits {
  return {
    maxFileSize: Math.max(config.uploads.maxImageBytes, config.uploads.maxDocumentBytes),
    maxFiles: MAX_FILES_PER_REQUEST,
    maxFieldSize: MAX_BODY_BYTES,
  };
}

/** An HTTP-level refusal of a request before its body is read. */
export interface UploadRefusal {
  status: number;
  code: ErrorCode;
  message: string;
}

/** What is asked of an upload beyond its size, where the client's bytes arrive (the gateway). */
export interface UploadIntake {
  /** The pace its bytes must keep (upload-pace.ts); refused with 408 UPLOAD_TOO_SLOW otherwise. */
  pace?: UploadPace;
  /**
   * Asked before a byte of the body is read: a refusal, or what to call once the request is
   * over (answered, refused, or gone), e.g. a slot of the member's concurrent uploads.
   */
  admit?(request: FastifyRequest): Promise<UploadRefusal | { release(): void }>;
}

/** The headers that show a multipart request did not come from a plain HTML form (CSRF). */
const PREFLIGHT_HEADERS = ["apollo-require-preflight", "x-apollo-operation-name", "graphql-preflight"];

/** How long a client still sending after a refusal it may read on is given to finish its body. */
const DRAIN_MS = 5_000;

/**
 * An HTTP-level refusal, in the GraphQL error shape the rest of the server answers with.
 * `drain`: the client is well-behaved but asked for something refused (a 400, one file too
 * many), so the rest of its body is read and dropped, for up to DRAIN_MS, and it reads the
 * answer on a connection that stays open instead of meeting a reset while still sending.
 * Otherwise the connection closes: a declared length over the limits, a trickle (408), a
 * refusal before the body is read (401, 429: reading it is what is refused).
 */
function refuse(reply: FastifyReply, status: number, code: ErrorCode, message: string, drain = status === 400): FastifyReply {
  if (drain) {
    const request = reply.request.raw;
    if (!request.complete) {
      const giveUp = setTimeout(() => request.socket?.destroy(), DRAIN_MS).unref();
      request.once("end", () => clearTimeout(giveUp)).once("close", () => clearTimeout(giveUp));
    }
  } else reply.header("connection", "close");
  return reply.code(status).send(errorBody(code, message));
}

/**
 * Accepts GraphQL multipart requests (file uploads) on `path` (one path or several) of a
 * fastify server that serves Apollo Server there. graphql-upload parses them: each file
 * streams into a temporary file as it arrives (fs-capacitor), so a resolver, or the gateway
 * forwarding it, reads it while it is still arriving, in any order, without holding it in
 * memory. Before a byte is parsed, a request without a CSRF preflight header, over the size
 * limits, or that `intake.admit` refuses is refused; while it arrives, one slower than
 * `intake.pace` is refused with 408 UPLOAD_TOO_SLOW; after the map is parsed, a file mapped to
 * more than one place, or outside `variables`, is refused.
 */
export function acceptGraphQLUploads(app: FastifyInstance, path: string | readonly string[], limits: UploadLimits, intake: UploadIntake = {}): void {
  const paths = new Set(typeof path === "string" ? [path] : path);
  // The body is left unread here; graphql-upload reads it in the preHandler below.
  app.addContentTypeParser("multipart/form-data", (_request, _payload, done) => done(null, undefined));
  const slack = limits.maxFieldSize * 2 + 64 * 1024; // the two fields and the parts' headers
  app.addHook("preHandler", async (request: FastifyRequest, reply: FastifyReply) => {
    if (!paths.has(request.routeOptions.url ?? "") || !request.headers["content-type"]?.startsWith("multipart/form-data")) return;
    if (request.method !== "POST") return refuse(reply, 405, "METHOD_NOT_ALLOWED", "File uploads are POST requests.");
    if (!PREFLIGHT_HEADERS.some((h) => request.headers[h])) {
      return refuse(
        reply,
        400,
        "BAD_REQUEST",
        "This multipart request has no `Apollo-Require-Preflight` (or `X-Apollo-Operation-Name`) header; it is refused to prevent cross-site request forgery.",
      );
    }
    const declared = Number(request.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limits.maxFiles * limits.maxFileSize + slack) {
      return refuse(reply, 413, "PAYLOAD_TOO_LARGE", `The upload is larger than ${limits.maxFiles} file(s) of ${limits.maxFileSize} bytes.`);
    }
    const admitted = intake.admit ? await intake.admit(request) : null;
    if (admitted && "status" in admitted) return refuse(reply, admitted.status, admitted.code, admitted.message);
    if (admitted) reply.raw.once("close", () => admitted.release());
    const body = intake.pace ? pacedBody(request, reply, intake.pace, () => admitted?.release()) : request.raw;
    let operations: unknown;
    try {
      operations = await processRequest(body, reply.raw, limits);
    } catch (e) {
      if (e instanceof UploadTooSlow) return refuse(reply, 408, e.code, e.message);
      const status = typeof (e as { status?: unknown }).status === "number" ? (e as { status: number }).status : 400;
      const tooManyFiles = isTooManyFiles(e);
      const message = tooManyFiles ? `At most ${limits.maxFiles} file(s) may be uploaded in one request.` : errorMessage(e);
      return refuse(reply, status, status === 413 ? "PAYLOAD_TOO_LARGE" : "BAD_REQUEST", message, status === 400 || tooManyFiles);
    }
    const problem = Array.isArray(operations) ? "Batched operations cannot carry files." : misplacedUpload(operations);
    if (problem) return refuse(reply, 400, "BAD_REQUEST", problem);
    request.body = operations;
  });
}

/**
 * The request's body, timed (PacedUpload). Too slow while the operation is being read, the
 * preHandler refuses it with 408; later, every file of it fails with UploadTooSlow, and the
 * answer (the operation's, with that error) closes the connection. Once answered, a client
 * still trickling is cut off.
 */
function pacedBody(request: FastifyRequest, reply: FastifyReply, pace: UploadPace, over: () => void): PacedUpload {
  const body = new PacedUpload(request.raw, pace, request.headers);
  body.once("error", (e) => {
    if (!(e instanceof UploadTooSlow)) return;
    over();
    if (reply.raw.headersSent) request.raw.destroy();
    else void reply.header("connection", "close");
  });
  return body;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** graphql-upload's refusal of one file too many (its wording is renamed to the limit a client can act on). */
function isTooManyFiles(error: unknown): boolean {
  return /max file uploads exceeded/.test(errorMessage(error));
}

/** Each file goes to exactly one variable: the same file mapped twice, or into the query, is refused. */
function misplacedUpload(operations: unknown): string | null {
  if (typeof operations !== "object" || operations === null) return null;
  const { variables, ...rest } = operations as Record<string, unknown>;
  if (findUploads(rest).length > 0) return "Files may only be mapped to variables.";
  const found = findUploads(variables);
  if (new Set(found).size !== found.length) return "A file is mapped to more than one variable; map each file once.";
  return null;
}

/** Every Upload placed in `value` (graphql-upload places the same instance wherever a file is mapped). */
export function findUploads(value: unknown, into: Upload[] = []): Upload[] {
  if (value instanceof Upload) into.push(value);
  else if (Array.isArray(value)) for (const item of value) findUploads(item, into);
  else if (typeof value === "object" && value !== null) for (const item of Object.values(value)) findUploads(item, into);
  return into;
}
