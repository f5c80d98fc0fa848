import { enqueueJob, TASKS, type JobPayload, type Logger } from "@localex/common";
import type { MediaRow, Tx } from "../db/schema.ts";
import { PUBLIC_PREFIX, type BlobStore } from "../storage/index.ts";
import type { CdnPurge } from "./cdn-purge.ts";

/** The row's objects anyone may fetch by URL: its public variants (documents and staging are private). */
export function publicKeysOf(row: Pick<MediaRow, "variants">): string[] {
  return Object.values(row.variants)
    .map((v) => v.key)
    .filter((key) => key.startsWith(PUBLIC_PREFIX));
}

/**
 * Making deleted or taken-down media unreachable everywhere its URLs were handed out. The change
 * that removes it queues a `media:purge` job in its own transaction (`request`), so the purge
 * exists iff the change committed; the request then deletes the objects at the origin at once,
 * and the job deletes them again (idempotent: in case that delete failed) and asks the CDN to
 * drop the URLs, retried with backoff while the CDN is down.
 */
export class MediaPurges {
  constructor(
    private readonly blobs: BlobStore,
    private readonly cdn: CdnPurge,
    private readonly log: Logger,
  ) {}

  /** Queues the purge of the row's public objects in `tx` (nothing for a row without any). */
  async request(tx: Tx, row: Pick<MediaRow, "id" | "variants">): Promise<void> {
    const keys = publicKeysOf(row);
    if (keys.length === 0) return;
    await enqueueJob(tx, TASKS.purgeMedia, { mediaId: row.id, keys, urls: keys.map((key) => this.blobs.publicUrl(key)) });
  }

  /**
   * Deletes the objects now, in the request that removed them: from this moment the origin answers
   * 404 for every URL. A storage fault is logged, not answered: the change has committed and its
   * purge job deletes them again.
   */
  async deleteNow(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.blobs.delete(keys).catch((error: unknown) => {
      this.log.warn({ err: error, keys }, "could not delete public media objects at once; the media:purge job deletes them");
    });
  }

  /** The `media:purge` job: the origin first (so a CDN refetch finds nothing), then the CDN. Throws to be retried. */
  async run({ mediaId, keys, urls }: JobPayload<typeof TASKS.purgeMedia>): Promise<void> {
    await this.blobs.delete(keys);
    await this.cdn.purge(urls);
    this.log.info({ mediaId, urls: urls.length, cdn: this.cdn.kind }, "purged public media");
  }
}
