import { accepted, formatBytes, refusal, type Outcome, type Refusal } from "@localex/common";
import type { MediaRow, Tx, UploadPurposeName } from "../db/schema.ts";
import type { JobsStore } from "../jobs/jobs.store.ts";
import type { MediaStore } from "../media/media.store.ts";
import { departingRefusal, hasDeparted } from "../members/departures.ts";
import type { ListingOwners } from "../photos/listing-owners.ts";
import type { IsolatedDecoder } from "../processing/decoder/index.ts";
import { isMediaRejected, type DetectedType } from "../processing/index.ts";

export interface IntakeLimits {
  maxImageBytes: number;
  maxDocumentBytes: number;
  maxPixels: number;
  quotaBytes: number;
  urlTtlSeconds: number;
}

/** Most photos one listing may have. */
export const MAX_PHOTOS_PER_LISTING = 12;

export interface Target {
  ownerId: string;
  purpose: UploadPurposeName;
  listingId: string | null;
}

/** The largest upload the purpose allows, before its type is known. */
export function sizeLimit(purpose: UploadPurposeName, limits: IntakeLimits): number {
  return purpose === "DOCUMENT" ? Math.max(limits.maxImageBytes, limits.maxDocumentBytes) : limits.maxImageBytes;
}

/** Whether the caller may add media for this purpose (a listing photo: its owner, while editable). */
export async function checkTarget(listings: ListingOwners, target: Target, field: string): Promise<Refusal | null> {
  if (target.purpose !== "LISTING_PHOTO") {
    return target.listingId ? refusal("INVALID_INPUT", "Only a listing photo belongs to a listing.", field) : null;
  }
  if (!target.listingId) return refusal("INVALID_INPUT", "A listing photo needs the listing's id.", field);
  const denied = await listings.refusal(target.ownerId, target.listingId);
  return denied ? refusal(denied.code, denied.message, field) : null;
}

/**
 * What the bytes are, checked before anything is stored: the type from its magic numbers, an
 * image's header against the pixel budget (no pixel is decoded), and the size for that type.
 * The bytes are read by the decoder, a process that holds no secret.
 */
export async function checkFile(
  decoder: IsolatedDecoder,
  path: string,
  byteSize: number,
  purpose: UploadPurposeName,
  limits: IntakeLimits,
  declaredType: string | null,
  field: string,
): Promise<Outcome<DetectedType>> {
  try {
    const detected = await decoder.detectMediaType(path, { allowPdf: purpose === "DOCUMENT", declaredType });
    const limit = detected.kind === "document" ? limits.maxDocumentBytes : limits.maxImageBytes;
    if (byteSize > limit) return refusal("FILE_TOO_LARGE", `The file is larger than ${formatBytes(limit)}.`, field);
    if (detected.kind === "image") await decoder.inspectImage(path, { maxPixels: limits.maxPixels });
    return accepted(detected);
  } catch (e) {
    if (isMediaRejected(e)) return refusal(e.code, e.message, field);
    throw e;
  }
}

/**
 * Records a new media item in the caller's transaction, under the owner's lock: refuses it
 * over the quota or past the listing's photo limit, else places it last among the listing's
 * photos. `stored` is what it occupies in storage already (or is reserved for it).
 */
export async function recordMedia(
  tx: Tx,
  store: MediaStore,
  target: Target,
  values: { filename: string; contentType: string; byteSize: number; stagingKey: string; uploadExpiresAt?: Date | null; id?: string },
  quotaBytes: number,
): Promise<Outcome<MediaRow>> {
  await store.lockOwner(tx, target.ownerId);
  if (await hasDeparted(tx, target.ownerId)) return departingRefusal("file");
  const used = await store.storedBytesOf(tx, target.ownerId);
  if (used + values.byteSize > quotaBytes) {
    return refusal(
      "QUOTA_EXCEEDED",
      `This upload would take your storage past ${formatBytes(quotaBytes)} (${formatBytes(used)} used). Delete photos or documents you no longer need.`,
      "file",
    );
  }
  let position = 0;
  if (target.listingId) {
    const photos = await store.photoCount(tx, target.listingId);
    if (photos.count >= MAX_PHOTOS_PER_LISTING) {
      return refusal("TOO_MANY_PHOTOS", `A listing can have at most ${MAX_PHOTOS_PER_LISTING} photos.`, "listingId");
    }
    position = photos.nextPosition;
  }
  const row = await store.insert(tx, {
    ...values,
    ownerId: target.ownerId,
    purpose: target.purpose,
    listingId: target.listingId,
    position,
    storedBytes: values.byteSize,
  });
  return accepted(row);
}

/** Starts processing a recorded upload: its job, enqueued in the same transaction. */
export async function startProcessing(tx: Tx, store: MediaStore, jobs: JobsStore, row: MediaRow): Promise<MediaRow> {
  const job = await jobs.startProcessing(tx, row.ownerId, row.id);
  return (await store.update(tx, row.id, { jobId: job.id, uploadExpiresAt: null }))!;
}

/** A client's file name, kept for the member's own reference only: printable and short. */
export function cleanFilename(name: string | null | undefined): string {
  const cleaned = (name ?? "")
    .normalize("NFC")
    .replace(/[\p{Cc}\p{Cf}/\\]/gu, "")
    .trim()
    .slice(0, 255);
  return cleaned || "upload";
}
