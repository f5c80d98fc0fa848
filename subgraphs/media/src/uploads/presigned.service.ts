import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { accepted, formatBytes, refusal, type Caller, type ErrorCode, type Outcome, textProblem } from "@localex/common";
import type { MediaRow, UploadPurposeName } from "../db/schema.ts";
import type { JobsStore } from "../jobs/jobs.store.ts";
import type { MediaStore } from "../media/media.store.ts";
import { removeMedia } from "../media/remove-media.ts";
import { isOwnerOrAdmin } from "../media/visibility.ts";
import type { ListingOwners } from "../photos/listing-owners.ts";
import type { IsolatedDecoder } from "../processing/decoder/index.ts";
import { acceptedTypesText, canDecodeHeic, IMAGE_TYPES, PDF } from "../processing/index.ts";
import type { BlobStore, PresignedPut } from "../storage/index.ts";
import { checkFile, checkTarget, cleanFilename, recordMedia, startProcessing, type IntakeLimits } from "./intake.ts";

export interface UploadRequest {
  filename: string;
  contentType: string;
  byteSize: number;
  purpose: UploadPurposeName;
  listingId?: string | null;
}

/** Where a completed direct upload's checked bytes wait for the job: a new key per completion, under no upload URL. */
const receivedKey = (mediaId: string) => `received/${mediaId}/${randomUUID()}`;

/** completeUpload's refusals name its one argument. */
const refused = (code: ErrorCode, message: string) => refusal(code, message, "mediaId");

/** What createUpload recorded: the item, and the URL its bytes go to. */
export interface CreatedUpload {
  media: MediaRow;
  put: PresignedPut;
}

/** recordMedia names the multipart fields; createUpload's refusals name its input's. */
const INPUT_FIELDS: Record<string, string> = { file: "input.byteSize", listingId: "input.listingId" };

/**
 * Uploads straight to storage: `createUpload` records a PENDING media item (its declared size
 * counted against the quota) and hands out a short-lived URL for exactly the declared bytes;
 * `completeUpload` checks what arrived against the declaration, from the bytes, and starts
 * processing. What fails the check is deleted, blob and row.
 */
export class PresignedUploadsService {
  constructor(
    private readonly media: MediaStore,
    private readonly jobs: JobsStore,
    private readonly blobs: BlobStore,
    private readonly listings: ListingOwners,
    private readonly limits: IntakeLimits,
    private readonly decoder: IsolatedDecoder,
  ) {}

  /** Refusals (the input, the listing, the quota, the photo limit) come back as data; nothing is recorded for them. */
  async create(caller: Caller, input: UploadRequest): Promise<Outcome<CreatedUpload>> {
    // A name the client typed is held to the rule for typed text; a multipart file's name, which
    // comes from the sender's disk, is cleaned instead (cleanFilename).
    const badName = textProblem(input.filename, { label: "filename", max: 255, min: 1 });
    if (badName) return refusal("INVALID_INPUT", badName, "input.filename");
    const contentType = input.contentType.split(";")[0]!.trim().toLowerCase();
    const document = contentType === PDF.mime;
    if (!(contentType in IMAGE_TYPES || (document && input.purpose === "DOCUMENT")) || (contentType === "image/heic" && !canDecodeHeic())) {
      const message = `${input.contentType} is not accepted; upload a ${acceptedTypesText(input.purpose === "DOCUMENT")} file.`;
      return refusal("UNSUPPORTED_TYPE", message, "input.contentType");
    }
    const limit = document ? this.limits.maxDocumentBytes : this.limits.maxImageBytes;
    if (!Number.isSafeInteger(input.byteSize) || input.byteSize < 1 || input.byteSize > limit) {
      const message = `byteSize must be from 1 to ${limit} (${formatBytes(limit)}).`;
      return refusal(input.byteSize > limit ? "FILE_TOO_LARGE" : "INVALID_INPUT", message, "input.byteSize");
    }
    const target = { ownerId: caller.userId, purpose: input.purpose, listingId: input.listingId ?? null };
    const denied = await checkTarget(this.listings, target, "input.listingId");
    if (denied) return denied;

    const id = randomUUID();
    const stagingKey = `staging/${id}`;
    const expiresInSeconds = this.limits.urlTtlSeconds;
    const recorded = await this.media.db.transaction((tx) =>
      recordMedia(
        tx,
        this.media,
        target,
        {
          id,
          filename: cleanFilename(input.filename),
          contentType,
          byteSize: input.byteSize,
          stagingKey,
          uploadExpiresAt: new Date(Date.now() + expiresInSeconds * 1000),
        },
        this.limits.quotaBytes,
      ),
    );
    if (!recorded.ok) return refusal(recorded.code, recorded.message, INPUT_FIELDS[recorded.field ?? ""] ?? null);
    const put = await this.blobs.presignPut(stagingKey, { contentType, byteSize: input.byteSize, expiresInSeconds });
    return accepted({ media: recorded.value, put });
  }

  /** The item, processing; null only when a concurrent complete's item was deleted meanwhile. */
  async complete(caller: Caller, mediaId: string): Promise<Outcome<MediaRow | null>> {
    const row = await this.media.byId(mediaId);
    if (!row || !isOwnerOrAdmin(row, caller)) {
      return refused("NOT_FOUND", "There is no upload with that id.");
    }
    if (row.jobId) return accepted(row); // completed already: a replay or a double click
    if (!row.stagingKey || row.status !== "PENDING") return refused("INVALID_STATE", `This upload is ${row.status}.`);
    if (row.uploadExpiresAt && row.uploadExpiresAt.getTime() < Date.now()) {
      await this.discard(row);
      return refused("UPLOAD_EXPIRED", "The upload URL expired before the upload was completed; start a new upload.");
    }
    const stored = await this.blobs.head(row.stagingKey);
    if (!stored) return refused("UPLOAD_MISSING", "Nothing has arrived yet: PUT the file to the upload URL first.");
    if (stored.byteSize !== row.byteSize) {
      await this.discard(row);
      return refused("SIZE_MISMATCH", `${stored.byteSize} bytes arrived, but ${row.byteSize} were declared; start a new upload.`);
    }
    // One URL, one upload: the bytes checked here are copied to a key no upload URL can write
    // (receivedKey), and the job reads those. A PUT to the URL after this point cannot swap
    // the file under the job; the disk routes refuse it, and the sweep removes what S3 accepts.
    const received = receivedKey(row.id);
    const work = await mkdtemp(join(tmpdir(), "localex-complete-"));
    try {
      const path = join(work, "file");
      await this.blobs.download(row.stagingKey, path);
      const checked = await checkFile(this.decoder, path, row.byteSize, row.purpose, this.limits, row.contentType, "mediaId");
      if (!checked.ok) {
        await this.discard(row);
        return checked;
      }
      await this.blobs.putFile(received, path, { contentType: row.contentType });
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    const started = await this.jobs.transaction(async (tx) => {
      // Claims the upload: of two completes at once, one starts the job.
      const claimed = await this.media.claimUpload(tx, row.id, received);
      return claimed ? startProcessing(tx, this.media, this.jobs, claimed) : null;
    });
    if (!started) {
      await this.blobs.delete([received]); // the other complete's copy is the one its job reads
      return accepted(await this.media.byId(row.id));
    }
    await this.blobs.delete([row.stagingKey]);
    return accepted(started);
  }

  /**
   * Whether an upload URL for `key` may still be used: only while its media item waits for the
   * upload (PENDING, not completed, the key still its staging key). The disk routes ask.
   */
  async acceptsUpload(key: string): Promise<boolean> {
    const id = /^staging\/([0-9a-f-]{36})$/.exec(key)?.[1];
    if (!id) return false;
    const row = await this.media.byId(id);
    return !!row && row.status === "PENDING" && !row.jobId && row.stagingKey === key;
  }

  /** Removes a refused upload: its blob, then its row (which releases its quota). */
  private async discard(row: MediaRow): Promise<void> {
    if (row.stagingKey) await this.blobs.delete([row.stagingKey]);
    await removeMedia({ media: this.media, jobs: this.jobs }, row.id);
  }
}
