import type { Caller, Connection } from "@localex/common";
import type { MediaRow, UploadPurposeName } from "../db/schema.ts";
import type { MediaStore } from "../media/media.store.ts";

export interface StorageUse {
  usedBytes: number;
  quotaBytes: number;
}

/** A member's own files ("My files"): what they take against the quota, and the list of them. */
export class LibraryService {
  constructor(
    private readonly store: MediaStore,
    private readonly quotaBytes: number,
  ) {}

  /** The figure the quota check enforces (the same storedBytesOf), so what is shown is what counts. */
  async storageOf(ownerId: string): Promise<StorageUse> {
    return { usedBytes: await this.store.storedBytesOf(this.store.db, ownerId), quotaBytes: this.quotaBytes };
  }

  /**
   * The owner's media, newest first, of one purpose if given. Deleted media have no row, so they
   * are never listed. A bad cursor is refused the same way whoever asks.
   */
  pageOf(ownerId: string, purpose: UploadPurposeName | null, first: number, after: string | null): Promise<Connection<MediaRow>> {
    return this.store.pageOf(ownerId, purpose, first, after);
  }
}

/** `media(id)` answers one's own files only: anyone else's (public or not) and unknown ids are alike null. */
export const isOwnMedia = (row: MediaRow | null, caller: Caller | null): row is MediaRow => row !== null && caller !== null && row.ownerId === caller.userId;
