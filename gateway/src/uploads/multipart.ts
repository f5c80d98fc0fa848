import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import type { FileUpload } from "@localex/common";
import type { OutgoingFile } from "./files.ts";
import type { SubgraphOperation } from "../entity-fetches.ts";

/** What the subgraph is asked to run (the fetch's operation, files replaced by null). */
export type OutgoingOperation = SubgraphOperation & { variables: Record<string, unknown> };

/** A client's file that could not be sent on: it went over the size limit, never came, or was cut off. */
export class FileNotForwarded extends Error {
  constructor(
    readonly filename: string | null,
    override readonly cause: unknown,
  ) {
    super(`The file ${filename ?? "(unnamed)"} could not be forwarded: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

export interface MultipartBody {
  contentType: string;
  /** Streamed as it is read: no file is ever held whole in memory. */
  body: Readable;
  /** The client's file that stopped the body, if one did. */
  failure(): FileNotForwarded | null;
}

/**
 * Encodes a GraphQL multipart request (https://github.com/jaydenseric/graphql-multipart-request-spec):
 * `operations`, `map`, then each file, streamed from the client's upload as it arrives. Files
 * go in the order given (the order the subgraph's resolvers read them); graphql-upload spools
 * each incoming file to disk, so one the client sent earlier waits there, not in memory.
 * `onSent` runs once the last byte has been handed over.
 */
export function encodeMultipart(operation: OutgoingOperation, files: readonly OutgoingFile[], onSent: () => void): MultipartBody {
  const boundary = `----localex-${randomBytes(16).toString("hex")}`;
  let failure: FileNotForwarded | null = null;
  const failed = (filename: string | null, cause: unknown) => (failure ??= new FileNotForwarded(filename, cause));

  async function* parts(): AsyncGenerator<Buffer> {
    const map = Object.fromEntries(files.map((file, index) => [String(index), file.paths]));
    yield Buffer.from(field(boundary, "operations", JSON.stringify(operation)) + field(boundary, "map", JSON.stringify(map)));
    for (const [index, { upload }] of files.entries()) {
      let file: FileUpload | undefined;
      let stream: Readable;
      try {
        file = await upload.promise;
        // The default 64 KiB reads: the reader mostly waits at the end of what has arrived, and
        // fs-capacitor allocates a whole read's buffer each time (1 MiB reads doubled the CPU).
        stream = file.createReadStream(); // throws at once if the file already went over the limit
      } catch (e) {
        throw failed(file?.filename ?? null, e);
      }
      const filename = file.filename;
      // Errors of the stream itself, not of the consumer: graphql-upload destroys it when the
      // file goes over the limit or the client goes away.
      stream.once("error", (e: unknown) => failed(filename, e));
      yield Buffer.from(fileHeader(boundary, String(index), file));
      yield* stream as AsyncIterable<Buffer>;
      yield CRLF;
    }
    yield Buffer.from(`--${boundary}--\r\n`);
    onSent();
  }

  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    body: Readable.from(parts(), { objectMode: false }),
    failure: () => failure,
  };
}

const CRLF = Buffer.from("\r\n");

function field(boundary: string, name: string, value: string): string {
  return `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
}

function fileHeader(boundary: string, name: string, file: FileUpload): string {
  return (
    `--${boundary}\r\n` +
    `Content-Disposition: form-data; name="${name}"; ${filenameParameters(file.filename)}\r\n` +
    `Content-Type: ${safeType(file.mimetype)}\r\n\r\n`
  );
}

/** The name as an ASCII fallback and exactly, UTF-8 percent-encoded (RFC 6266 / 8187); busboy prefers the latter. */
function filenameParameters(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, "_");
  const exact = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `filename="${ascii}"; filename*=UTF-8''${exact}`;
}

/** The client's declared type, if it is a plain `type/subtype` (it is only a hint: the subgraph checks the bytes). */
function safeType(mimetype: string): string {
  return /^[\w!#$&^.+-]+\/[\w!#$&^.+-]+$/.test(mimetype) ? mimetype : "application/octet-stream";
}
