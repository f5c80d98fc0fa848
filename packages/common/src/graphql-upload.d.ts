// graphql-upload 18 ships JavaScript with JSDoc types that TypeScript does not read from
// node_modules; these are the parts we use, as its JSDoc declares them.
declare module "graphql-upload/Upload.mjs" {
  import type { FileUpload } from "graphql-upload/processRequest.mjs";
  export default class Upload {
    promise: Promise<FileUpload>;
    resolve(file: FileUpload): void;
    reject(reason?: unknown): void;
    file?: FileUpload;
  }
}

declare module "graphql-upload/processRequest.mjs" {
  import type { IncomingMessage, ServerResponse } from "node:http";
  import type { Readable } from "node:stream";
  export interface FileUpload {
    filename: string;
    mimetype: string;
    encoding: string;
    /** A new stream of the file's bytes, from the start, however much has arrived. */
    createReadStream(options?: { encoding?: BufferEncoding; highWaterMark?: number }): Readable;
  }
  export default function processRequest(
    // It reads the headers off the request and pipes it into busboy: any stream with them will do.
    request: Readable & Pick<IncomingMessage, "headers">,
    response: ServerResponse,
    options?: { maxFieldSize?: number; maxFileSize?: number; maxFiles?: number },
  ): Promise<Record<string, unknown> | Record<string, unknown>[]>;
}

declare module "graphql-upload/GraphQLUpload.mjs" {
  import type { GraphQLScalarType } from "graphql";
  const GraphQLUpload: GraphQLScalarType;
  export default GraphQLUpload;
}
