// The upload pace (packages/common/src/upload-pace.ts) on a stream of its own, with the clock
// in the test's hands; and the concurrency limiter as each process counts without Redis. The
// whole path, through gateways and the media subgraph, is tests/media/slow-uploads.test.ts.
import { PassThrough, Writable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ConcurrencyLimiter, PacedUpload, UploadTooSlow } from "@localex/common";

const PACE = { minBytesPerSecond: 100, windowSeconds: 2, maxSeconds: 10 };

/** A request body being sent, through the pace, into a reader that keeps up. */
function upload() {
  const client = new PassThrough();
  const paced = new PacedUpload(client, PACE);
  const errors: unknown[] = [];
  paced.on("error", (e) => errors.push(e));
  const received: Buffer[] = [];
  const reader = new Writable({
    write(chunk: Buffer, _encoding, done) {
      received.push(chunk);
      done();
    },
  });
  const readerErrors: unknown[] = [];
  reader.on("error", (e) => readerErrors.push(e));
  paced.pipe(reader);
  return { client, paced, reader, errors, received, readerErrors };
}

/** Lets the streams move what was written (their events run on the real ticks). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** `seconds` seconds, `bytesPerSecond` sent at the start of each. */
async function send(client: PassThrough, seconds: number, bytesPerSecond: number): Promise<void> {
  for (let i = 0; i < seconds; i++) {
    if (bytesPerSecond > 0) client.write(Buffer.alloc(bytesPerSecond));
    await settle();
    vi.advanceTimersByTime(1_000);
    await settle();
  }
}

describe("an upload's pace", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "performance"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("passes every byte of an upload that keeps the pace and ends in time, and stops timing it once ended", async () => {
    const { client, paced, errors, received } = upload();
    await send(client, 9, 300);
    client.end();
    await settle();
    vi.advanceTimersByTime(60_000);
    await settle();
    expect(errors).toEqual([]);
    expect(paced.readableEnded).toBe(true);
    expect(Buffer.concat(received).length).toBe(9 * 300);
  });

  it("stops an upload slower than the pace over a window, and what it feeds with the same error", async () => {
    const { client, reader, errors, readerErrors } = upload();
    await send(client, 2, 300); // a window at the pace
    expect(errors).toEqual([]);
    await send(client, 2, 50); // a window at half of it
    expect(errors).toEqual([expect.any(UploadTooSlow)]);
    expect((errors[0] as UploadTooSlow).message).toMatch(/50 bytes\/s over 2 s, slower than the 100 bytes\/s accepted/);
    expect(readerErrors).toEqual([errors[0]]);
    expect(reader.destroyed).toBe(true);
  });

  it("stops an upload that keeps the pace but is still arriving after UPLOAD_MAX_SECONDS", async () => {
    const { client, errors } = upload();
    await send(client, 9, 300);
    expect(errors).toEqual([]);
    await send(client, 1, 300);
    expect(errors).toEqual([expect.any(UploadTooSlow)]);
    expect((errors[0] as UploadTooSlow).message).toMatch(/did not arrive within 10 s/);
    expect(errors[0]).toMatchObject({ status: 408, code: "UPLOAD_TOO_SLOW" });
  });

  it("ends as an aborted request when its client goes away: destroyed, never ended, with no error of its own", async () => {
    const { client, paced, errors } = upload();
    await send(client, 1, 300);
    client.destroy();
    await settle();
    expect(paced.destroyed).toBe(true);
    expect(paced.readableEnded).toBe(false);
    vi.advanceTimersByTime(60_000);
    expect(errors).toEqual([]);
  });
});

describe("concurrent uploads per member, counted in this process", () => {
  it("refuses a slot beyond the limit until one is released; releasing twice frees one", async () => {
    const slots = ConcurrencyLimiter.create({ url: undefined, prefix: "unit:" }, 60_000);
    const first = await slots.take("uploads", "account:ann", 2);
    const second = await slots.take("uploads", "account:ann", 2);
    expect(first).not.toBeNull();
    expect(second).not.toBeNull();
    expect(await slots.take("uploads", "account:ann", 2)).toBeNull();
    expect(await slots.take("uploads", "account:ben", 2)).not.toBeNull(); // another member's are their own
    first!.release();
    first!.release();
    expect(await slots.take("uploads", "account:ann", 2)).not.toBeNull();
    expect(await slots.take("uploads", "account:ann", 2)).toBeNull();
    slots.close();
  });
});
