import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JobHelpers, JobPayload, Logger, TASKS } from "@localex/common";
import type { MediaPurges } from "../cdn/index.ts";
import type { MediaRow, StoredVariant, StoredVariants } from "../db/schema.ts";
import { blobKeysOf, type MediaStore } from "../media/media.store.ts";
import type { IsolatedDecoder } from "../processing/decoder/index.ts";
import { MediaRejected, type RenderedVariant } from "../processing/index.ts";
import { rejectInfected, type MalwareScanner } from "../scanning/index.ts";
import type { BlobStore } from "../storage/index.ts";
import type { JobsStore } from "./jobs.store.ts";
import { notifyOwner, refuse, refusalOf } from "./refuse-media.ts";

export interface ProcessingDeps {
  media: MediaStore;
  jobs: JobsStore;
  blobs: BlobStore;
  /** A replaced avatar's public objects are purged from the CDN like any deleted media's. */
  purges: MediaPurges;
  scanner: MalwareScanner;
  /** Reads and renders the upload in a process that holds no secret. */
  decoder: IsolatedDecoder;
  maxPixels: number;
  log: Logger;
}

/**
 * The `media:process` task: scans the staged upload, checks it again from its bytes, renders
 * the variants, stores them, and marks the media READY (removing the staging object and, for
 * an avatar, the one it replaces). A refused file ends FAILED with its code and reason and
 * leaves no blob (refuse-media.ts); any other failure is retried with backoff until the last
 * attempt, then FAILED.
 */
export function processMediaTask(deps: ProcessingDeps) {
  return async ({ jobId }: JobPayload<typeof TASKS.processMedia>, helpers: JobHelpers): Promise<void> => {
    const job = await deps.jobs.byId(jobId);
    if (!job || job.status === "SUCCEEDED" || (job.status === "FAILED" && !job.retryable)) return;
    const row = job.mediaId ? await deps.media.byId(job.mediaId) : null;
    if (!row || !row.stagingKey) {
      // Deleted while queued, or done by an earlier run whose end was not recorded.
      await deps.jobs.update(deps.jobs.db, jobId, {
        status: row ? "SUCCEEDED" : "FAILED",
        progress: row ? 1 : null,
        error: row ? null : "The media was deleted.",
      });
      return;
    }
    const { attempts, max_attempts: maxAttempts } = helpers.job;
    await deps.jobs.update(deps.jobs.db, jobId, { status: "RUNNING", attempts, progress: 0, error: null });
    await deps.media.update(deps.media.db, row.id, { status: "PROCESSING" });
    try {
      await process(deps, jobId, row);
    } catch (error) {
      const refusal = refusalOf(error);
      if (refusal) {
        await refuse(deps, jobId, row, `${jobId}:${attempts}`, refusal);
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      deps.log.warn({ reason: message.slice(0, 300), jobId, attempts }, "media processing failed");
      const last = attempts >= maxAttempts;
      // Our fault, not the member's: the details go to the log, never into what they read.
      const reason = last
        ? `Processing failed on our side (attempt ${attempts} of ${maxAttempts}); retryJob runs it again.`
        : `Processing failed on our side (attempt ${attempts} of ${maxAttempts}); it will be retried.`;
      if (last) deps.log.error({ jobId, attempts, reason: message.slice(0, 300) }, "a media:process job died after its last attempt");
      await deps.jobs.transaction(async (tx) => {
        if (last) await deps.media.update(tx, row.id, { status: "FAILED", error: reason });
        await deps.jobs.update(tx, jobId, { status: last ? "DEAD" : "RETRYING", error: reason, progress: null });
        if (last) await notifyOwner(tx, row, "PHOTO_FAILED", `${jobId}:${attempts}`, reason);
      });
      throw error; // graphile-worker backs off and retries; after the last attempt it keeps the job as dead
    }
  };
}

async function process(deps: ProcessingDeps, jobId: string, row: MediaRow): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), "localex-media-"));
  try {
    const input = join(work, "input");
    await deps.blobs.download(row.stagingKey!, input);
    // First: an infected file is refused as INFECTED, whatever else is wrong with it, and no parser here reads it before clamd has.
    await rejectInfected(deps.scanner, input);
    const detected = await deps.decoder.detectMediaType(input, { allowPdf: row.purpose === "DOCUMENT" });

    let lastReported = 0;
    // Progress is written in order, and all of it before the job's end (finish awaits it): a
    // late write must never follow SUCCEEDED.
    let progressWritten: Promise<void> = Promise.resolve();
    const onProgress = (fraction: number) => {
      // Progress is for people watching: a few updates, not one per output.
      if (fraction - lastReported < 0.25 && fraction < 1) return;
      lastReported = fraction;
      progressWritten = progressWritten
        .then(() => deps.jobs.recordProgress(jobId, 0.1 + 0.8 * fraction))
        .catch((err: unknown) => deps.log.warn({ err, jobId }, "could not record a job's progress"));
    };
    const outDir = join(work, "out");
    const variants: StoredVariants = {};
    let dimensions: { width: number | null; height: number | null } = { width: null, height: null };
    if (row.purpose === "DOCUMENT") {
      // Private: kept as uploaded (a PDF is never rendered) or, for an image, re-encoded without metadata.
      const original: RenderedVariant =
        detected.kind === "document"
          ? { path: input, width: 0, height: 0, byteSize: row.byteSize, contentType: detected.mime }
          : await deps.decoder.renderOriginal(input, outDir, { maxPixels: deps.maxPixels, onProgress });
      variants.ORIGINAL = await store(deps.blobs, `private/documents/${row.id}/original.${extensionOf(original.contentType, detected.ext)}`, original);
      if (detected.kind === "image") dimensions = { width: original.width, height: original.height };
    } else {
      if (detected.kind !== "image") throw new MediaRejected("UNSUPPORTED_TYPE", "Only images can be listing photos or avatars.");
      const rendered = await deps.decoder.renderVariants(input, outDir, { maxPixels: deps.maxPixels, onProgress });
      for (const [name, variant] of Object.entries(rendered) as [keyof typeof rendered, RenderedVariant][]) {
        variants[name] = await store(deps.blobs, `public/media/${row.id}/${name.toLowerCase()}.${extensionOf(variant.contentType, detected.ext)}`, variant);
      }
      dimensions = { width: rendered.ORIGINAL.width, height: rendered.ORIGINAL.height };
    }
    await progressWritten;
    await finish(deps, jobId, row, variants, dimensions, detected.mime);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function store(blobs: BlobStore, key: string, variant: RenderedVariant): Promise<StoredVariant> {
  const stored = await blobs.putFile(key, variant.path, { contentType: variant.contentType });
  return { key, width: variant.width || null, height: variant.height || null, byteSize: stored.byteSize, contentType: variant.contentType };
}

/** READY in one transaction; then the staging object and a replaced avatar's blobs go. */
async function finish(
  deps: ProcessingDeps,
  jobId: string,
  row: MediaRow,
  variants: StoredVariants,
  dimensions: { width: number | null; height: number | null },
  contentType: string,
): Promise<void> {
  const storedBytes = Object.values(variants).reduce((sum, v) => sum + v.byteSize, 0);
  const outcome = await deps.jobs.transaction(async (tx) => {
    const ready = await deps.media.markReady(tx, row.id, { variants, storedBytes, contentType, ...dimensions, stagingKey: null, error: null });
    if (!ready) return { ready: null, replaced: [] as MediaRow[] };
    const replaced = row.purpose === "AVATAR" ? await deps.media.removeOtherAvatars(tx, row.ownerId, row.id) : [];
    for (const old of replaced) await deps.purges.request(tx, old);
    await deps.jobs.update(tx, jobId, { status: "SUCCEEDED", progress: 1, error: null });
    await notifyOwner(tx, row, "PHOTO_READY", jobId);
    return { ready, replaced };
  });
  if (!outcome.ready) {
    // Deleted while it was processing: what we just stored belongs to nothing.
    await deps.blobs.delete([...Object.values(variants).map((v) => v.key), row.stagingKey!]);
    await deps.jobs.update(deps.jobs.db, jobId, { status: "FAILED", error: "The media was deleted while it was processing.", retryable: false });
  } else {
    await deps.blobs.delete([row.stagingKey!, ...outcome.replaced.flatMap(blobKeysOf)]);
  }
}

function extensionOf(contentType: string, fallback: string): string {
  const ext = { "image/webp": "webp", "image/jpeg": "jpg", "image/png": "png", "image/avif": "avif", "image/gif": "gif", "application/pdf": "pdf" }[
    contentType
  ];
  return ext ?? fallback;
}
