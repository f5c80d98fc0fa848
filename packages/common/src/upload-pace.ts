import type { IncomingHttpHeaders } from "node:http";
import { Transform, type Readable, type TransformCallback } from "node:stream";
import type { Config } from "./config.ts";

/** How fast an upload's bytes must arrive, and how long it may take in all. */
export interface UploadPace {
  minBytesPerSecond: number;
  /** The rate is averaged over windows this long, so a short stall (a phone changing networks) is no refusal. */
  windowSeconds: number;
  maxSeconds: number;
}

export function uploadPace(config: Pick<Config, "uploads">): UploadPace {
  return config.uploads.pace;
}

/**
 * An upload that arrived too slowly, or took too long in all: HTTP 408, `UPLOAD_TOO_SLOW`.
 * `status` as http-errors has it, the shape graphql-upload's errors have, so whatever reads a
 * file of the upload sees the same kind of error whichever stopped it.
 */
export class UploadTooSlow extends Error {
  readonly status = 408;
  readonly code = "UPLOAD_TOO_SLOW";
  constructor(message: string) {
    super(message);
    this.name = "UploadTooSlow";
  }
}

/**
 * An upload's bytes, passed on unchanged as they arrive, timed: slower than the pace over a
 * window, or still arriving after `maxSeconds`, it stops with UploadTooSlow. A trickling client
 * otherwise holds its connection, and whatever the server opened for it, for as long as it likes.
 *
 * Stopping destroys with that error what it is piped into (graphql-upload pipes the request
 * into busboy: destroying busboy with it is how every file of the request, and processRequest
 * itself, end with that error), then itself. Until then the client is judged only on what it
 * sent: a window whose check comes late (this process was busy, and bytes may wait unread) is
 * not judged.
 */
export class PacedUpload extends Transform {
  /** The request's headers, for graphql-upload's processRequest, which reads them off what it is given. */
  readonly headers: IncomingHttpHeaders;
  private received = 0;
  private windowStart = performance.now();
  private windowStartBytes = 0;
  private readonly windowTimer: NodeJS.Timeout;
  private readonly deadline: NodeJS.Timeout;
  private readonly destinations: NodeJS.WritableStream[] = [];

  /**
   * Reads `body` (a request's, not yet read); a client that goes away mid-upload ends this
   * stream as an aborted request ends (destroyed without an error, never ended).
   */
  constructor(
    body: Readable,
    private readonly pace: UploadPace,
    headers: IncomingHttpHeaders = {},
  ) {
    super();
    this.headers = headers;
    // Its error reaches readers through their reads and the destinations' errors; an 'error'
    // event with no listener (a reader that stopped early) must not bring the process down.
    this.on("error", () => {});
    this.windowTimer = setInterval(() => this.judgeWindow(), pace.windowSeconds * 1000);
    this.deadline = setTimeout(
      () => this.stop(new UploadTooSlow(`The upload did not arrive within ${pace.maxSeconds} s; try again on a faster connection.`)),
      pace.maxSeconds * 1000,
    );
    body.once("close", () => {
      if (!body.readableEnded) this.destroy();
    });
    body.pipe(this);
  }

  override pipe<T extends NodeJS.WritableStream>(destination: T, options?: { end?: boolean }): T {
    this.destinations.push(destination);
    return super.pipe(destination, options);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.received += chunk.length;
    done(null, chunk);
  }

  /** The last byte has arrived: nothing more to time. */
  override _flush(done: TransformCallback): void {
    this.stopTimers();
    done();
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.stopTimers();
    done(error);
  }

  private judgeWindow(): void {
    const now = performance.now();
    const seconds = (now - this.windowStart) / 1000;
    const bytes = this.received - this.windowStartBytes;
    this.windowStart = now;
    this.windowStartBytes = this.received;
    if (seconds > this.pace.windowSeconds * 1.5) return;
    if (bytes < this.pace.minBytesPerSecond * seconds) {
      const rate = Math.floor(bytes / seconds);
      this.stop(
        new UploadTooSlow(
          `The upload arrived at ${rate} bytes/s over ${this.pace.windowSeconds} s, slower than the ${this.pace.minBytesPerSecond} bytes/s accepted; try again on a faster connection.`,
        ),
      );
    }
  }

  private stop(error: UploadTooSlow): void {
    this.stopTimers();
    for (const destination of this.destinations) {
      const stream = destination as NodeJS.WritableStream & { destroy?: (error?: Error) => void };
      stream.destroy?.(error);
    }
    this.destroy(error);
  }

  private stopTimers(): void {
    clearInterval(this.windowTimer);
    clearTimeout(this.deadline);
  }
}
