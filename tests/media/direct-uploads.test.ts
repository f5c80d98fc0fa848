// Uploads straight to storage: createUpload hands out a URL for exactly the declared bytes,
// the client PUTs them, completeUpload checks what arrived from the bytes and starts the job.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerUser, wsClient } from "../harness/client.ts";
import { Subscription } from "../harness/subscription.ts";
import { cameraPhoto, flat, pixelBomb, svg, textFile, truncatedJpeg } from "./image-fixtures.ts";
import { COMPLETE_UPLOAD, createUpload, putBytes, storedBlobsOf, untilJobEnds, uploadDirect, type MediaPayloadData } from "./helpers.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "localex-media-test-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("uploads straight to storage", () => {
  it("processes a camera photo to READY: variants fitted, oriented, stripped of metadata, followed live with jobUpdated", async () => {
    const ann = await registerUser();
    const photo = await cameraPhoto(dir); // 4000 × 3000 stored, EXIF orientation 6, GPS
    const created = await createUpload(ann, photo, { purpose: "AVATAR" });
    expect(created.errors).toEqual([]);
    const presigned = created.upload!;
    expect(presigned).toMatchObject({ media: { status: "PENDING" }, method: "PUT" });
    expect(new Date(presigned.expiresAt).getTime()).toBeGreaterThan(Date.now());
    expect((await putBytes(presigned, await readFile(photo))).status).toBeLessThan(300);

    const { completeUpload } = await ann.client.data<{ completeUpload: MediaPayloadData }>(COMPLETE_UPLOAD, { id: presigned.media.id });
    expect(completeUpload.errors).toEqual([]);
    const jobId = completeUpload.media!.job!.id;

    // Following the job: its current state first, then every change to the end.
    const socket = wsClient(ann.accessToken);
    try {
      const updates = new Subscription<{ jobUpdated: { status: string; progress: number | null } }>(
        socket,
        `subscription ($id: ID!) { jobUpdated(id: $id) { status progress } }`,
        { id: jobId },
      );
      await updates.until((r) => r.data?.jobUpdated.status === "SUCCEEDED", "the job's success", 60_000);
      // The states seen only ever move forward, from the one current at subscription.
      const order = ["QUEUED", "RUNNING", "SUCCEEDED"];
      const seen = updates.results.map((r) => order.indexOf(r.data!.jobUpdated.status));
      expect(seen.every((s, i) => s >= 0 && (i === 0 || s >= seen[i - 1]!))).toBe(true);
      expect(updates.results.at(-1)!.data!.jobUpdated.progress).toBe(1);
      updates.dispose();
    } finally {
      await socket.dispose();
    }

    const job = await untilJobEnds(ann, jobId);
    expect(job).toMatchObject({ kind: "media:process", status: "SUCCEEDED", attempts: 1, progress: 1, error: null });
    const media = job.media!;
    expect(media).toMatchObject({ status: "READY", purpose: "AVATAR", contentType: "image/jpeg", width: 3000, height: 4000 });
    const sizes: Record<string, [number, number]> = { thumbnail: [225, 300], medium: [600, 800], large: [900, 1200] };
    for (const [name, [width, height]] of Object.entries(sizes)) {
      const response = await fetch(media[name as "thumbnail"]!);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("image/webp");
      expect(response.headers.get("cache-control")).toMatch(/immutable/);
      const meta = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
      expect({ name, width: meta.width, height: meta.height, exif: meta.exif, format: meta.format }).toEqual({
        name,
        width,
        height,
        exif: undefined,
        format: "webp",
      });
    }
    const original = await sharp(Buffer.from(await (await fetch(media.url!)).arrayBuffer())).metadata();
    expect(original).toMatchObject({ width: 3000, height: 4000, format: "jpeg" });
    expect(original.exif).toBeUndefined();
    expect(original.xmp).toBeUndefined();
    // The staging copy is gone; the four renditions remain.
    expect((await storedBlobsOf(media.id)).filter((p) => !p.includes("/."))).toHaveLength(4);
  });

  it.each([
    ["a 17 000 × 17 000 PNG of under 1 MB", (d: string) => pixelBomb(d), "image/png", "TOO_MANY_PIXELS"],
    ["text posing as an image", (d: string) => textFile(d, "notes.jpg"), "image/jpeg", "UNSUPPORTED_TYPE"],
    ["a JPEG declared as a PNG", (d: string) => flat(d, "photo.jpg", 400, 300, "jpeg"), "image/png", "TYPE_MISMATCH"],
  ])("refuses %s on completion and leaves no blob and no media", async (_name, make, contentType, code) => {
    const ann = await registerUser();
    const path = await make(dir);
    const created = await createUpload(ann, path, { contentType });
    const presigned = created.upload!;
    expect((await putBytes(presigned, await readFile(path))).status).toBeLessThan(300);
    const { completeUpload } = await ann.client.data<{ completeUpload: MediaPayloadData }>(COMPLETE_UPLOAD, { id: presigned.media.id });
    expect(completeUpload.media).toBeNull();
    expect(completeUpload.errors).toEqual([expect.objectContaining({ code, message: expect.any(String) })]);
    expect(await storedBlobsOf(presigned.media.id)).toEqual([]);
    const again = await ann.client.data<{ completeUpload: MediaPayloadData }>(COMPLETE_UPLOAD, { id: presigned.media.id });
    expect(again.completeUpload.errors).toEqual([expect.objectContaining({ code: "NOT_FOUND" })]);
  });

  it("fails a truncated JPEG in its job (the header reads, the pixels do not) and removes its blob", async () => {
    const ann = await registerUser();
    const result = await uploadDirect(ann, await truncatedJpeg(dir));
    expect(result.errors).toEqual([]);
    const job = await untilJobEnds(ann, result.media!.job!.id);
    expect(job).toMatchObject({ status: "FAILED", retryable: false, error: expect.stringMatching(/truncated|corrupt|damaged|incomplete/i) });
    expect(job.media).toMatchObject({ status: "FAILED", url: null });
    expect(await storedBlobsOf(result.media!.id)).toEqual([]);
    const { me } = await ann.client.data<{ me: { avatar: unknown } }>(`{ me { avatar { id } } }`);
    expect(me.avatar).toBeNull();
  });

  it("refuses SVG, oversized and PDF-as-photo declarations before handing out a URL", async () => {
    const ann = await registerUser();
    const drawing = await svg(dir, "logo.svg", true);
    for (const [options, code, field] of [
      [{ contentType: "image/svg+xml" }, "UNSUPPORTED_TYPE", "input.contentType"],
      [{ contentType: "application/pdf" }, "UNSUPPORTED_TYPE", "input.contentType"],
      [{ byteSize: 26 * 1024 * 1024 }, "FILE_TOO_LARGE", "input.byteSize"],
      [{ byteSize: 0 }, "INVALID_INPUT", "input.byteSize"],
    ] as const) {
      // Refusals are data, each with its own code and the input at fault; no URL is handed out.
      const res = await createUpload(ann, drawing, options);
      expect(res, JSON.stringify(options)).toEqual({ upload: null, errors: [expect.objectContaining({ code, field })] });
    }
    // The positive control: a declaration within the rules gets a URL (the bytes are checked on completion).
    const ok = await createUpload(ann, drawing, { contentType: "image/png" });
    expect(ok.errors).toEqual([]);
    expect(ok.upload).toMatchObject({ media: { status: "PENDING" }, method: "PUT" });
  });

  it("refuses a PUT of other bytes than declared, and completes nothing that has not arrived", async () => {
    const ann = await registerUser();
    const path = await flat(dir, "small.png", 200, 100, "png");
    const presigned = (await createUpload(ann, path, { contentType: "image/png" })).upload!;
    const bytes = await readFile(path);
    expect((await putBytes(presigned, bytes.subarray(0, bytes.length - 10))).status).toBe(400);
    const wrongType = await fetch(presigned.url, { method: "PUT", headers: { "content-type": "image/jpeg" }, body: bytes });
    expect(wrongType.status).toBe(415);
    const { completeUpload } = await ann.client.data<{ completeUpload: MediaPayloadData }>(COMPLETE_UPLOAD, { id: presigned.media.id });
    expect(completeUpload.errors).toEqual([expect.objectContaining({ code: "UPLOAD_MISSING" })]);
    // Then the right bytes, completed twice (a double click): one job.
    expect((await putBytes(presigned, bytes)).status).toBeLessThan(300);
    const [a, b] = await Promise.all([0, 1].map(() => ann.client.data<{ completeUpload: MediaPayloadData }>(COMPLETE_UPLOAD, { id: presigned.media.id })));
    expect(a!.completeUpload.media!.job!.id).toBe(b!.completeUpload.media!.job!.id);
    expect((await untilJobEnds(ann, a!.completeUpload.media!.job!.id)).status).toBe("SUCCEEDED");
  });
});
