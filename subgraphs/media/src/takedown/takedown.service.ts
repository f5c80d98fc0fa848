import { accepted, enqueueJob, recordAdminAct, refusal, showing, TASKS, textProblem, type Outcome } from "@localex/common";
import type { MediaPurges } from "../cdn/index.ts";
import type { MediaRow } from "../db/schema.ts";
import type { JobsStore } from "../jobs/jobs.store.ts";
import { blobKeysOf, type MediaStore } from "../media/media.store.ts";

/** The longest reason an admin may give; the owner reads it in their notification. */
export const TAKEDOWN_REASON_MAX = 1000;

/**
 * Admins taking a member's file down (issue 23): it stops being served at once, everywhere its
 * URLs went. One transaction marks it TAKEN_DOWN (its owner still sees it, with the reason),
 * queues the purge of its public URLs from the CDN and the owner's notification; then its bytes
 * are deleted, and the act is in the admin audit log. Who may do this (an admin as identity
 * stores the role now) is the resolver's check.
 */
export class TakedownService {
  constructor(
    private readonly store: MediaStore,
    private readonly jobs: JobsStore,
    private readonly purges: MediaPurges,
  ) {}

  async takeDown(adminId: string, id: string, reason: string): Promise<Outcome<MediaRow>> {
    const problem = textProblem(reason, { label: "The reason", min: 1, max: TAKEDOWN_REASON_MAX, multiline: true });
    if (problem) return refusal("INVALID_INPUT", problem, "reason");
    const why = reason.trim();
    const done = await this.jobs.transaction(async (tx) => {
      const row = await this.store.lockById(tx, id);
      if (!row) return { outcome: refusal("NOT_FOUND", "There is no media with that id.", "id"), keys: [] };
      if (row.status === "TAKEN_DOWN") return { outcome: showing(refusal("INVALID_STATE", "This file was already taken down.", "id"), row), keys: [] };
      if (row.status !== "READY")
        return {
          outcome: showing(
            refusal("INVALID_STATE", `Only a processed (READY) file is served, so only one can be taken down; this one is ${row.status}.`, "id"),
            row,
          ),
          keys: [],
        };
      const down = await this.store.markTakenDown(tx, row.id, why);
      await this.purges.request(tx, row);
      await enqueueJob(tx, TASKS.notify, {
        userId: row.ownerId,
        kind: "MEDIA_TAKEN_DOWN",
        key: `media:${row.id}:MEDIA_TAKEN_DOWN`,
        mediaId: row.id,
        details: { filename: row.filename, reason: why },
      });
      await recordAdminAct(tx, {
        admin: adminId,
        action: "MEDIA_TAKEN_DOWN",
        subject: { kind: "MEDIA", id: row.id },
        members: [row.ownerId],
        reason: why,
        details: { purpose: row.purpose },
      });
      return { outcome: accepted(down), keys: blobKeysOf(row) };
    });
    // Committed: from here on the origin answers 404 for every URL of it (the purge job deletes
    // again whatever this could not, then purges the CDN).
    await this.purges.deleteNow(done.keys);
    return done.outcome;
  }
}
