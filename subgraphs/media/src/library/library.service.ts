import { and, desc, eq, sql, type SQL } from "drizzle-orm";
import { decodeInstantCursor, isUuid, toConnection, type Caller, type Connection } from "@localex/common";
import { media, type MediaRow, type UploadPurposeName } from "../db/schema.ts";
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
   * The owner's media, newest first (keyset pages on created_at, id), of one purpose if given.
   * Deleted media have no row, so they are never listed. The cursor is checked before anything
   * else, so a bad one is refused the same way whoever asks.
   */
  async pageOf(ownerId: string, purpose: UploadPurposeName | null, first: number, after: string | null): Promise<Connection<MediaRow>> {
    const cursor = decodeInstantCursor(after);
    if (!isUuid(ownerId)) return toConnection([], first, () => [], 0, cursor !== null);
    const selected = and(eq(media.ownerId, ownerId), purpose ? eq(media.purpose, purpose) : undefined);
    const page: SQL | undefined = cursor ? sql`(${media.createdAt}, ${media.id}) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)` : undefined;
    const db = this.store.db;
    const [rows, [count]] = await Promise.all([
      first === 0 ? Promise.resolve([]) : db.select().from(media).where(and(selected, page)).orderBy(desc(media.createdAt), desc(media.id)).limit(first + 1),
      db.select({ n: sql<number>`count(*)::int` }).from(media).where(selected),
    ]);
    return toConnection(rows, first, (r) => [r.createdAt.toISOString(), r.id], count?.n ?? 0, cursor !== null);
  }
}

/** `media(id)` answers one's own files only: anyone else's (public or not) and unknown ids are alike null. */
export const isOwnMedia = (row: MediaRow | null, caller: Caller | null): row is MediaRow => row !== null && caller !== null && row.ownerId === caller.userId;
