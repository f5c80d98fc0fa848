import { forbidden, notFound, type Caller } from "@localex/common";
import type { ImageVariantName, MediaRow } from "../db/schema.ts";
import type { BlobStore } from "../storage/index.ts";
import { blobKeysOf, type MediaStore } from "./media.store.ts";
import { canSee, isOwnerOrAdmin } from "./visibility.ts";

/** Reading and deleting media items. */
export class MediaService {
  constructor(
    private readonly store: MediaStore,
    private readonly blobs: BlobStore,
    private readonly urlTtlSeconds: number,
  ) {}

  /**
   * A variant's URL: permanent (the CDN's) for public images, short-lived and signed for a
   * private document, which only its owner and admins get. Null until READY, or when the item
   * has no such variant (documents have only ORIGINAL).
   */
  async url(row: MediaRow, variant: ImageVariantName, caller: Caller | null): Promise<string | null> {
    if (row.status !== "READY") return null;
    const stored = row.variants[variant];
    if (!stored) return null;
    if (row.purpose !== "DOCUMENT") return this.blobs.publicUrl(stored.key);
    if (!isOwnerOrAdmin(row, caller)) return null;
    return this.blobs.signedGetUrl(stored.key, { expiresInSeconds: this.urlTtlSeconds });
  }

  /** Deletes the item and every blob it has; its owner (or an admin) only. */
  async delete(caller: Caller, id: string): Promise<boolean> {
    const row = await this.store.byId(id);
    if (!row || !canSee(row, caller)) throw notFound("Media");
    if (!isOwnerOrAdmin(row, caller)) throw forbidden("Only the owner can delete this media.");
    const removed = await this.store.remove(this.store.db, id);
    if (!removed) return false;
    await this.blobs.delete(blobKeysOf(removed));
    return true;
  }
}
