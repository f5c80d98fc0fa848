import { accepted, forbidden, recordAdminAct, refusal, type AuditExecutor, type Caller, type Outcome } from "@localex/common";
import type { MediaPurges } from "../cdn/index.ts";
import type { ImageVariantName, MediaRow } from "../db/schema.ts";
import type { BlobStore } from "../storage/index.ts";
import type { JobsStore } from "../jobs/jobs.store.ts";
import { blobKeysOf, type MediaStore } from "./media.store.ts";
import { removeMedia } from "./remove-media.ts";
import { canSee, isOwnerOrAdmin } from "./visibility.ts";

/** Reading and deleting media items. */
export class MediaService {
  constructor(
    private readonly store: MediaStore,
    private readonly jobs: JobsStore,
    private readonly blobs: BlobStore,
    private readonly purges: MediaPurges,
    private readonly urlTtlSeconds: number,
    /** Where an admin's opening of a member's document is recorded (the admin audit log). */
    private readonly audit: AuditExecutor,
  ) {}

  /**
   * A variant's URL: permanent (the CDN's) for public images, short-lived and signed for a
   * private document, which only its owner and admins get. Null until READY, or when the item
   * has no such variant (documents have only ORIGINAL). Another member's document opens only
   * while identity still stores the admin role (`currentAdmin`): a token's claim may be stale.
   * Each such link is an admin act, recorded before the link is signed: if the entry cannot be
   * written, no link is given.
   */
  async url(row: MediaRow, variant: ImageVariantName, caller: Caller | null, currentAdmin: () => Promise<boolean>): Promise<string | null> {
    if (row.status !== "READY") return null;
    const stored = row.variants[variant];
    if (!stored) return null;
    if (row.purpose !== "DOCUMENT") return this.blobs.publicUrl(stored.key);
    if (!isOwnerOrAdmin(row, caller)) return null;
    if (caller && caller.userId !== row.ownerId) {
      if (!(await currentAdmin())) throw forbidden("Only administrators may open another member's documents.");
      await recordAdminAct(this.audit, {
        admin: caller.userId,
        action: "DOCUMENT_URL_ISSUED",
        subject: { kind: "MEDIA", id: row.id },
        members: [row.ownerId],
        reason: null,
        details: { variant, expiresInSeconds: this.urlTtlSeconds },
      });
    }
    return this.blobs.signedGetUrl(stored.key, { expiresInSeconds: this.urlTtlSeconds });
  }

  /**
   * Deletes the item and every blob it has, at once (its public URLs answer 404 at the origin when
   * this returns), and queues the CDN's purge of them in the same transaction; its owner (or an
   * admin) only. Refusals come back as data.
   */
  async delete(caller: Caller, id: string): Promise<Outcome<void>> {
    const row = await this.store.byId(id);
    const notFound = refusal("NOT_FOUND", "There is no media with that id.", "id");
    if (!row || !canSee(row, caller)) return notFound;
    if (!isOwnerOrAdmin(row, caller)) return refusal("FORBIDDEN", "Only the owner can delete this media.", "id");
    const removed = await removeMedia({ media: this.store, jobs: this.jobs, purges: this.purges }, id);
    if (!removed) return notFound; // deleted meanwhile, by another request
    await this.blobs.delete(blobKeysOf(removed));
    return accepted();
  }
}
