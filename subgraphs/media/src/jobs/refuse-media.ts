import { enqueueJob, TASKS, type ErrorCode } from "@localex/common";
import type { MediaRow, Tx } from "../db/schema.ts";
import type { MediaStore } from "../media/media.store.ts";
import { isMediaRejected } from "../processing/index.ts";
import { ScanFailed } from "../scanning/index.ts";
import type { BlobStore } from "../storage/index.ts";
import type { JobsStore } from "./jobs.store.ts";

/** Why the same bytes can never pass, as the job's errorCode and error. */
export interface Refusal {
  code: ErrorCode;
  message: string;
}

/** The refusal in a processing failure, or null for a fault of ours (which is retried). */
export function refusalOf(error: unknown): Refusal | null {
  if (isMediaRejected(error)) return { code: error.code, message: error.message };
  // Larger than clamd will scan: no retry can pass it, and nothing is let through unscanned.
  if (error instanceof ScanFailed && !error.retryable) return { code: "FILE_TOO_LARGE", message: error.message };
  return null;
}

/**
 * Ends the job FAILED for good, with the refusal's code, and deletes the staged bytes first.
 * An infected upload leaves nothing else either: its media row goes in the same transaction
 * (the job stays, for whoever follows it), and its owner is told whatever the purpose, since
 * the device it came from may be infected. Any other refused media stays FAILED, its reason
 * shown, until cleanup.
 */
export async function refuse(
  deps: { media: MediaStore; jobs: JobsStore; blobs: BlobStore },
  jobId: string,
  row: MediaRow,
  occasion: string,
  refusal: Refusal,
): Promise<void> {
  if (row.stagingKey) await deps.blobs.delete([row.stagingKey]);
  const infected = refusal.code === "INFECTED";
  await deps.jobs.transaction(async (tx) => {
    if (infected) await deps.media.removeKeepingJob(tx, row.id);
    else await deps.media.update(tx, row.id, { status: "FAILED", error: refusal.message, stagingKey: null, storedBytes: 0 });
    await deps.jobs.update(tx, jobId, { status: "FAILED", error: refusal.message, errorCode: refusal.code, retryable: false, progress: null });
    if (infected) {
      const details = { filename: row.filename, reason: refusal.message };
      // The media row is gone (nothing of an infected file is kept): the job says what happened.
      await enqueueJob(tx, TASKS.notify, { userId: row.ownerId, kind: "UPLOAD_INFECTED", key: `media:${row.id}:UPLOAD_INFECTED`, jobId, details });
    } else {
      await notifyOwner(tx, row, "PHOTO_FAILED", occasion, refusal.message);
    }
  });
}

/** Tells the owner a photo or avatar is ready or failed, in the transaction that says so (documents are not photos). */
export async function notifyOwner(tx: Tx, row: MediaRow, kind: "PHOTO_READY" | "PHOTO_FAILED", occasion: string, reason?: string): Promise<void> {
  if (row.purpose === "DOCUMENT") return;
  const details: Record<string, string> = reason ? { reason } : {};
  await enqueueJob(tx, TASKS.notify, { userId: row.ownerId, kind, key: `media:${row.id}:${kind}:${occasion}`, mediaId: row.id, jobId: row.jobId, details });
}
