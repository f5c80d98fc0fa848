// One upload URL, one upload (issue 20): a presigned PUT after completeUpload must not write new
// bytes that no quota counts, that no cleanup removes, or that the job reads in place of the ones
// completeUpload checked.
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { registerUser } from "../harness/client.ts";
import { asService } from "../trades/helpers.ts";
import { flat } from "./image-fixtures.ts";
import { COMPLETE_UPLOAD, createUpload, putBytes, storedBlobsOf, untilJobEnds, type MediaPayloadData } from "./helpers.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "localex-one-upload-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A direct upload taken to completeUpload: the URL it used, its media id and job id, and the bytes sent. */
async function completedUpload() {
  const ann = await registerUser();
  const path = await flat(dir, `photo-${Date.now()}.png`, 160, 90, "png");
  const bytes = await readFile(path);
  const presigned = (await createUpload(ann, path, { contentType: "image/png" })).upload!;
  // The positive control: the URL works once.
  expect((await putBytes(presigned, bytes)).status).toBe(200);
  const { completeUpload } = await ann.client.data<{ completeUpload: MediaPayloadData }>(COMPLETE_UPLOAD, { id: presigned.media.id });
  expect(completeUpload.errors).toEqual([]);
  return { ann, presigned, bytes, mediaId: presigned.media.id, jobId: completeUpload.media!.job!.id };
}

describe("one upload URL, one upload", () => {
  it("refuses a PUT to the URL after completeUpload, and the job renders the bytes that were completed", async () => {
    const { ann, presigned, bytes, mediaId, jobId } = await completedUpload();
    // Right after completion, before or while the job runs: other bytes of the same size.
    const again = await putBytes(presigned, randomBytes(bytes.length));
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ errors: [{ extensions: { code: "UPLOAD_USED" } }] });

    const job = await untilJobEnds(ann, jobId);
    expect(job).toMatchObject({ status: "SUCCEEDED", media: { status: "READY", width: 160, height: 90 } });
    // Nothing is left waiting: no staging or received copy once the photo is READY.
    expect((await storedBlobsOf(mediaId)).filter((key) => /^(staging|received)\//.test(key))).toEqual([]);
    // And after READY too.
    expect((await putBytes(presigned, bytes)).status).toBe(409);
    expect((await storedBlobsOf(mediaId)).filter((key) => key.startsWith("staging/"))).toEqual([]);
  });

  it("sweeps a staging blob its media item no longer points at (what S3 accepts from a used URL), and keeps the photo", async () => {
    const { ann, mediaId, jobId } = await completedUpload();
    await untilJobEnds(ann, jobId);
    const kept = await storedBlobsOf(mediaId);
    expect(kept.length).toBeGreaterThan(0);
    // As a second PUT to an S3 URL would leave it: staging/<id>, written after completion, old enough to sweep.
    const late = join(inject("dataDir"), "media", "staging", mediaId);
    await mkdir(dirname(late), { recursive: true });
    await writeFile(late, "bytes PUT after completion");
    const hoursAgo = new Date(Date.now() - 2 * 3_600_000);
    await utimes(late, hoursAgo, hoursAgo);
    expect(await storedBlobsOf(mediaId)).toContain(`staging/${mediaId}`);

    await asService("media", `mutation { runMediaCleanup { strayBlobs } }`);
    expect(await storedBlobsOf(mediaId)).not.toContain(`staging/${mediaId}`);
    // The photo's own blobs are untouched.
    expect((await storedBlobsOf(mediaId)).sort()).toEqual([...kept].sort());
  });
});
