import { and, asc, desc, eq, inArray, isNotNull, isNull, lt, ne, sql, type SQL } from "drizzle-orm";
import { anyOfKeys, decodeInstantCursor, isUuid, readByKeys, toConnection, type Connection } from "@localex/common";
import { media, type MediaDatabase, type MediaRow, type Tx, type UploadPurposeName } from "../db/schema.ts";

/** The reads every page of listings makes, built and prepared once (anyOfKeys). */
function preparedReads(db: MediaDatabase) {
  return {
    byIds: readByKeys(db.select().from(media).where(anyOfKeys(media.id, "uuid")).prepare("media_by_ids")),
    photosOf: readByKeys(
      db
        .select()
        .from(media)
        .where(and(anyOfKeys(media.listingId, "uuid"), ne(media.status, "FAILED")))
        .orderBy(asc(media.listingId), asc(media.position), asc(media.createdAt))
        .prepare("media_photos_of"),
    ),
    avatarsOf: readByKeys(
      db
        .selectDistinctOn([media.ownerId])
        .from(media)
        .where(and(anyOfKeys(media.ownerId, "uuid"), eq(media.purpose, "AVATAR"), eq(media.status, "READY")))
        .orderBy(media.ownerId, desc(media.createdAt))
        .prepare("media_avatars_of"),
    ),
  };
}

/** Every SQL statement on media rows (reads, locks, writes); it returns rows and decides nothing. */
export class MediaStore {
  private readonly reads: ReturnType<typeof preparedReads>;

  constructor(readonly db: MediaDatabase) {
    this.reads = preparedReads(db);
  }

  byIds(ids: readonly string[]): Promise<MediaRow[]> {
    return this.reads.byIds(ids);
  }

  async byId(id: string): Promise<MediaRow | null> {
    return (await this.byIds([id]))[0] ?? null;
  }

  /** Every photo of these listings, in each listing's order: one statement for a page of listings. */
  photosOf(listingIds: readonly string[]): Promise<MediaRow[]> {
    return this.reads.photosOf(listingIds);
  }

  /** The ids of a listing's photos (FAILED ones aside), in the caller's transaction. */
  async photoIdsOf(tx: Tx, listingId: string): Promise<string[]> {
    const rows = await tx
      .select({ id: media.id })
      .from(media)
      .where(and(eq(media.listingId, listingId), ne(media.status, "FAILED")));
    return rows.map((r) => r.id);
  }

  /** Every item of these listings, whatever its status (cleanup removes them). */
  async allOfListings(listingIds: readonly string[]): Promise<MediaRow[]> {
    return this.db
      .select()
      .from(media)
      .where(inArray(media.listingId, [...listingIds]));
  }

  /** Every listing that has an item. */
  async listingIds(): Promise<string[]> {
    const rows = await this.db.selectDistinct({ listingId: media.listingId }).from(media).where(isNotNull(media.listingId));
    return rows.map((r) => r.listingId!);
  }

  /** Every item of the member (their data export). */
  async allOf(ownerId: string): Promise<MediaRow[]> {
    return this.db.select().from(media).where(eq(media.ownerId, ownerId));
  }

  /**
   * The owner's items, newest first (keyset pages on created_at, id), of one purpose if given,
   * with how many there are. The cursor is decoded first, so a bad one is refused whoever asks.
   */
  async pageOf(ownerId: string, purpose: UploadPurposeName | null, first: number, after: string | null): Promise<Connection<MediaRow>> {
    const cursor = decodeInstantCursor(after);
    if (!isUuid(ownerId)) return toConnection([], first, () => [], 0, cursor !== null);
    const selected = and(eq(media.ownerId, ownerId), purpose ? eq(media.purpose, purpose) : undefined);
    const page: SQL | undefined = cursor ? sql`(${media.createdAt}, ${media.id}) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)` : undefined;
    const [rows, [count]] = await Promise.all([
      first === 0
        ? Promise.resolve([])
        : this.db
            .select()
            .from(media)
            .where(and(selected, page))
            .orderBy(desc(media.createdAt), desc(media.id))
            .limit(first + 1),
      this.db.select({ n: sql<number>`count(*)::int` }).from(media).where(selected),
    ]);
    return toConnection(rows, first, (r) => [r.createdAt.toISOString(), r.id], count?.n ?? 0, cursor !== null);
  }

  /** The ids among `ids` that are the member's own READY documents. */
  async readyDocumentIds(ownerId: string, ids: readonly string[]): Promise<string[]> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return [];
    const rows = await this.db
      .select({ id: media.id })
      .from(media)
      .where(and(eq(media.ownerId, ownerId), eq(media.purpose, "DOCUMENT"), eq(media.status, "READY"), inArray(media.id, valid)));
    return rows.map((r) => r.id);
  }

  /** Presigned uploads never completed, their URL expired by `now`. */
  async abandonedUploads(now: Date): Promise<MediaRow[]> {
    return this.db
      .select()
      .from(media)
      .where(and(eq(media.status, "PENDING"), isNull(media.jobId), lt(media.uploadExpiresAt, now)));
  }

  /** FAILED items unchanged since `before`. */
  async failedBefore(before: Date): Promise<MediaRow[]> {
    return this.db
      .select()
      .from(media)
      .where(and(eq(media.status, "FAILED"), lt(media.updatedAt, before)));
  }

  /** Each user's current avatar: the newest READY one. */
  avatarsOf(userIds: readonly string[]): Promise<MediaRow[]> {
    return this.reads.avatarsOf(userIds);
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

  /** Puts these items in this order (positions 0, 1, …); answers them in it. */
  async setPositions(tx: Tx, orderedIds: readonly string[]): Promise<MediaRow[]> {
    if (orderedIds.length === 0) return [];
    const positions = sql.join(
      orderedIds.map((id, i) => sql`when ${id}::uuid then ${i}::int`),
      sql` `,
    );
    const rows = await tx
      .update(media)
      .set({ position: sql`case ${media.id} ${positions} end`, updatedAt: sql`now()` })
      .where(inArray(media.id, [...orderedIds]))
      .returning();
    return rows.sort((a, b) => a.position - b.position);
  }

  /** Claims a direct upload for its job: only while no job has it (of two claims at once, one gets the row). */
  async claimUpload(tx: Tx, id: string, stagingKey: string): Promise<MediaRow | null> {
    const [row] = await tx
      .update(media)
      .set({ uploadExpiresAt: null, stagingKey })
      .where(and(eq(media.id, id), isNull(media.jobId)))
      .returning();
    return row ?? null;
  }

  /** Writes a processed item READY, if it is still PROCESSING (not deleted meanwhile). */
  async markReady(tx: Tx, id: string, set: Partial<typeof media.$inferInsert>): Promise<MediaRow | null> {
    const [row] = await tx
      .update(media)
      .set({ ...set, status: "READY" })
      .where(and(eq(media.id, id), eq(media.status, "PROCESSING")))
      .returning();
    return row ?? null;
  }

  /** Deletes the owner's READY avatars other than `keptId`; answers them, for their blobs. */
  async removeOtherAvatars(tx: Tx, ownerId: string, keptId: string): Promise<MediaRow[]> {
    return tx
      .delete(media)
      .where(and(eq(media.ownerId, ownerId), eq(media.purpose, "AVATAR"), eq(media.status, "READY"), ne(media.id, keptId)))
      .returning();
  }

  /** Deletes the row alone: its job stays, for whoever follows it. */
  async removeKeepingJob(tx: Tx, id: string): Promise<void> {
    await tx.delete(media).where(eq(media.id, id));
  }

  /** Removes the row; the caller removes its job (JobsStore.removeProcessingOf) and the blobs it names. */
  async remove(tx: Tx | MediaDatabase, id: string): Promise<MediaRow | null> {
    const [row] = await tx.delete(media).where(eq(media.id, id)).returning();
    return row ?? null;
  }

  /** Removes the member's documents among `ids`; answers the rows, for their jobs and blobs. */
  async removeDocuments(ownerId: string, ids: readonly string[]): Promise<MediaRow[]> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return [];
    return this.removeWhere(and(eq(media.ownerId, ownerId), eq(media.purpose, "DOCUMENT"), inArray(media.id, valid))!);
  }

  /** Removes every item of the member (in the caller's transaction); answers the rows, for their jobs and blobs. */
  async removeAllOf(tx: Tx, ownerId: string): Promise<MediaRow[]> {
    return this.removeWhere(eq(media.ownerId, ownerId), tx);
  }

  /** The item, locked until the caller's transaction ends (a takedown against a delete or another takedown). */
  async lockById(tx: Tx, id: string): Promise<MediaRow | null> {
    if (!isUuid(id)) return null;
    const [row] = await tx.select().from(media).where(eq(media.id, id)).for("update");
    return row ?? null;
  }

  /**
   * Marks the item TAKEN_DOWN, with when and why. Its variants are forgotten (their bytes are
   * deleted next, and orphan cleanup would find any left) and it no longer counts against the quota.
   */
  async markTakenDown(tx: Tx, id: string, reason: string): Promise<MediaRow> {
    const [row] = await tx
      .update(media)
      .set({ status: "TAKEN_DOWN", takenDownAt: sql`now()`, takedownReason: reason, variants: {}, storedBytes: 0, updatedAt: sql`now()` })
      .where(eq(media.id, id))
      .returning();
    return row!;
  }

  private async removeWhere(where: SQL, executor: Tx | MediaDatabase = this.db): Promise<MediaRow[]> {
    return executor.delete(media).where(where).returning();
  }
}

/** Every storage key a media row holds: its staging object and every variant. */
export function blobKeysOf(row: Pick<MediaRow, "stagingKey" | "variants">): string[] {
  const keys = Object.values(row.variants).map((v) => v.key);
  if (row.stagingKey) keys.push(row.stagingKey);
  return keys;
}
