// GraphQL multipart requests (file uploads) as a front-end sends them, with each part's bytes
// streamed from a buffer, a file or a generator, in exactly the order given.
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { request } from "undici";

export interface FilePart {
  /** The multipart field name the `map` refers to. */
  field: string;
  filename: string;
  contentType: string;
  /** The bytes: a buffer, a path to stream from, or a generator (for bodies made on the fly). */
  content: Buffer | { path: string } | (() => AsyncIterable<Uint8Array>);
}

export interface MultipartRequest {
  operations: unknown;
  map: Record<string, string[]>;
  files: FilePart[];
  token?: string;
  /** Apollo-Require-Preflight: true unless false (CSRF prevention wants it). */
  preflight?: boolean;
  headers?: Record<string, string>;
}

export interface MultipartResponse<T> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

/** POSTs the request, chunked (no Content-Length), and reads the JSON answer. */
export async function postMultipart<T = Record<string, unknown>>(url: string, req: MultipartRequest): Promise<MultipartResponse<T>> {
  const boundary = `----test-${randomBytes(12).toString("hex")}`;
  const response = await request(url, {
    method: "POST",
    headers: {
      "content-type": `multipart/form-data; boundary=${boundary}`,
      ...(req.preflight === false ? {} : { "apollo-require-preflight": "true" }),
      ...(req.token ? { authorization: `Bearer ${req.token}` } : {}),
      ...req.headers,
    },
    body: Readable.from(multipartBody(boundary, req), { objectMode: false }),
  });
  const body = (await response.body.json()) as Omit<MultipartResponse<T>, "status">;
  return { status: response.statusCode, ...body };
}

export async function* multipartBody(boundary: string, req: Pick<MultipartRequest, "operations" | "map" | "files">): AsyncGenerator<Buffer> {
  const field = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  yield Buffer.from(field("operations", JSON.stringify(req.operations)) + field("map", JSON.stringify(req.map)));
  for (const file of req.files) {
    yield Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${file.filename}"\r\nContent-Type: ${file.contentType}\r\n\r\n`,
    );
    if (Buffer.isBuffer(file.content)) yield file.content;
    else if ("path" in file.content) yield* createReadStream(file.content.path, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>;
    else for await (const chunk of file.content()) yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    yield Buffer.from("\r\n");
  }
  yield Buffer.from(`--${boundary}--\r\n`);
}

/** `total` bytes of incompressible noise, one reused MiB at a time: a big file made without holding it. */
export function noise(total: number): () => AsyncIterable<Uint8Array> {
  const block = randomBytes(1024 * 1024);
  return async function* () {
    for (let sent = 0; sent < total; sent += block.length) yield block.subarray(0, Math.min(block.length, total - sent));
  };
}
