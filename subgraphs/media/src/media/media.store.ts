import { and, asc, desc, eq, inArray, ne, sql } from "drizzle-orm";
import { isUuid } from "@localex/common";
import { jobs, media, type MediaDatabase, type MediaRow, type Tx } from "../db/schema.ts";

/** Reads and writes media rows. */
export class MediaStore {
  constructor(readonly db: MediaDatabase) {}

  async byIds(ids: readonly string[]): Promise<MediaRow[]> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return [];
    return this.db.select().from(media).where(inArray(media.id, valid));
  }

  async byId(id: string): Promise<MediaRow | null> {
    return (await this.byIds([id]))[0] ?? null;
  }

  /** Every photo of these listings, in each listing's order: one statement for a page of listings. */
  async photosOf(listingIds: readonly string[]): Promise<MediaRow[]> {
    const valid = listingIds.filter(isUuid);
    if (valid.length === 0) return [];
    return this.db
      .select()
      .from(media)
      .where(and(inArray(media.listingId, valid), ne(media.status, "FAILED")))
      .orderBy(asc(media.listingId), asc(media.position), asc(media.createdAt));
  }

  /** Each user's current avatar: the newest READY one. */
  async avatarsOf(userIds: readonly string[]): Promise<MediaRow[]> {
    const valid = userIds.filter(isUuid);
    if (valid.length === 0) return [];
    return this.db
      .selectDistinctOn([media.ownerId])
      .from(media)
      .where(and(inArray(media.ownerId, valid), eq(media.purpose, "AVATAR"), eq(media.status, "READY")))
      .orderBy(media.ownerId, desc(media.createdAt));
  }

  /** The bytes a member keeps in storage, counted against their quota (in the transaction, after its lock). */
  async storedBytesOf(tx: Tx | MediaDatabase, ownerId: string): Promise<number> {
    const [row] = await tx
      .select({ total: sql<string>`coalesce(sum(${media.storedBytes}), 0)` })
      .from(media)
      .where(eq(media.ownerId, ownerId));
    return Number(row?.total ?? 0);
  }

  /** Serialises a member's uploads (quota) within a transaction. */
  async lockOwner(tx: Tx, ownerId: string): Promise<void> {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`media:owner:${ownerId}`}))`);
  }

  async photoCount(tx: Tx, listingId: string): Promise<{ count: number; nextPosition: number }> {
    const [row] = await tx
      .select({ count: sql<number>`count(*)::int`, last: sql<number | null>`max(${media.position})` })
      .from(media)
      .where(and(eq(media.listingId, listingId), ne(media.status, "FAILED")));
    return { count: row?.count ?? 0, nextPosition: (row?.last ?? -1) + 1 };
  }

  async insert(tx: Tx, values: typeof media.$inferInsert): Promise<MediaRow> {
    const [row] = await tx.insert(media).values(values).returning();
    return row!;
  }

  async update(tx: Tx | MediaDatabase, id: string, set: Partial<typeof media.$inferInsert>): Promise<MediaRow | null> {
    const [row] = await tx
      .update(media)
      .set({ ...set, updatedAt: sql`now()` })
      .where(eq(media.id, id))
      .returning();
    return row ?? null;
  }

  /** Removes the row and its job; the caller deletes the blobs it names. */
  async remove(tx: Tx | MediaDatabase, id: string): Promise<MediaRow | null> {
    const [row] = await tx.delete(media).where(eq(media.id, id)).returning();
    if (row?.jobId) await tx.delete(jobs).where(eq(jobs.id, row.jobId));
    return row ?? null;
  }
}

/** Every storage key a media row holds: its staging object and every variant. */
export function blobKeysOf(row: Pick<MediaRow, "stagingKey" | "variants">): string[] {
  const keys = Object.values(row.variants).map((v) => v.key);
  if (row.stagingKey) keys.push(row.stagingKey);
  return keys;
}
