import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { accepted, apiError, refusal, type Caller, type FileUpload, type Outcome } from "@localex/common";
import type { MediaRow } from "../db/schema.ts";
import type { JobsStore } from "../jobs/jobs.store.ts";
import type { MediaStore } from "../media/media.store.ts";
import type { ListingOwners } from "../photos/listing-owners.ts";
import type { IsolatedDecoder } from "../processing/decoder/index.ts";
import type { BlobStore } from "../storage/index.ts";
import { checkFile, checkTarget, cleanFilename, recordMedia, sizeLimit, startProcessing, type IntakeLimits, type Target } from "./intake.ts";
import { FileTooLarge, spoolToFile } from "./spool.ts";

/**
 * The upload itself went wrong on the client's side (graphql-upload's 4xx: the request was cut
 * off or the file never came): a request error, not a fault of ours to log as unexpected.
 */
function clientFault(error: unknown): never {
  const status = (error as { status?: unknown }).status;
  if (typeof status === "number" && status >= 400 && status < 500) {
    throw apiError("BAD_REQUEST", error instanceof Error ? error.message : "The upload did not arrive.");
  }
  throw error;
}

/**
 * Files that arrive in a GraphQL multipart request (through the gateway): spooled to a temporary
 * file, checked from their bytes, stored under a staging key and handed to a processing job.
 * A refused file leaves nothing behind: no blob, no media row.
 */
export class UploadsService {
  constructor(
    private readonly media: MediaStore,
    private readonly jobs: JobsStore,
    private readonly blobs: BlobStore,
    private readonly listings: ListingOwners,
    private readonly limits: IntakeLimits,
    private readonly decoder: IsolatedDecoder,
  ) {}

  async upload(caller: Caller, target: Omit<Target, "ownerId">, file: Promise<FileUpload>): Promise<Outcome<MediaRow>> {
    const full: Target = { ...target, ownerId: caller.userId };
    const denied = await checkTarget(this.listings, full, "listingId");
    if (denied) return denied;
    const upload = await Promise.resolve(file).catch(clientFault);
    const work = await mkdtemp(join(tmpdir(), "localex-upload-"));
    try {
      const path = join(work, "file");
      let byteSize: number;
      try {
        byteSize = await spoolToFile(upload.createReadStream(), path, sizeLimit(full.purpose, this.limits));
      } catch (e) {
        if (e instanceof FileTooLarge) return refusal("FILE_TOO_LARGE", e.message, "file");
        return clientFault(e);
      }
      if (byteSize === 0) return refusal("INVALID_INPUT", "The file is empty.", "file");
      const checked = await checkFile(this.decoder, path, byteSize, full.purpose, this.limits, null, "file");
      if (!checked.ok) return checked;
      return await this.store(full, path, { filename: cleanFilename(upload.filename), contentType: checked.value.mime, byteSize });
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  /** Stages the bytes, then records the media and its job; the staged blob goes if that fails. */
  private async store(target: Target, path: string, file: { filename: string; contentType: string; byteSize: number }): Promise<Outcome<MediaRow>> {
    const id = randomUUID();
    const stagingKey = `staging/${id}`;
    await this.blobs.putFile(stagingKey, path, { contentType: file.contentType });
    let outcome: Outcome<MediaRow>;
    try {
      outcome = await this.jobs.transaction(async (tx) => {
        const recorded = await recordMedia(tx, this.media, target, { ...file, id, stagingKey }, this.limits.quotaBytes);
        if (!recorded.ok) return recorded;
        return accepted(await startProcessing(tx, this.media, this.jobs, recorded.value));
      });
    } catch (e) {
      await this.blobs.delete([stagingKey]);
      throw e;
    }
    if (!outcome.ok) await this.blobs.delete([stagingKey]);
    return outcome;
  }
}
