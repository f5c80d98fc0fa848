import { createWriteStream } from "node:fs";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { formatBytes } from "@localex/common";

export class FileTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`The file is larger than ${formatBytes(limit)}.`);
  }
}

/**
 * Writes an uploaded file to `path`, stopping at `limit` bytes: image libraries want a file,
 * and nothing is held in memory. Resolves with the byte count.
 */
export async function spoolToFile(stream: Readable, path: string, limit: number): Promise<number> {
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(bytes > limit ? new FileTooLarge(limit) : null, chunk);
    },
  });
  try {
    await pipeline(stream, counter, createWriteStream(path));
  } catch (e) {
    // graphql-upload's own limit (413) is the same refusal.
    if (e instanceof FileTooLarge || (e as { status?: number }).status === 413) throw new FileTooLarge(limit);
    throw e;
  }
  return bytes;
}
