import { accepted, enqueueJob, recordAdminAct, refusal, TASKS, type JobPayload, type Logger, type Outcome } from "@localex/common";
import type { ListingRow, Tx } from "../db/schema.ts";
import { isHidden } from "../listings/listings.service.ts";
import type { ModerationStore } from "./moderation.store.ts";

/**
 * Hiding listings for trust and safety (issue 23): identity decides (a report resolved with
 * HIDE_LISTING, a suspension and its end) and queues the jobs; this carries them out on the
 * listings. Each admin act is one transaction: the change, its search snapshot and the owner's
 * notification commit together or not at all.
 */
export class ModerationService {
  constructor(
    private readonly store: ModerationStore,
    private readonly log: Logger,
  ) {}

  /**
   * `listings:take-down`. A listing already down keeps its first takedown and its owner is not
   * told again; an unknown listing (deleted meanwhile) is logged, since no retry could find it.
   */
  async takeDown({ listingId, reason, reportId }: JobPayload<typeof TASKS.takeDownListing>): Promise<void> {
    await this.store.transaction(async (tx) => {
      const current = await this.store.lock(tx, listingId);
      if (!current) return this.log.warn({ listingId, reportId }, "take-down: no such listing; nothing to hide");
      const down = await this.store.takeDown(tx, listingId, reason, reportId);
      if (!down) return this.log.info({ listingId, reportId }, "take-down: the listing is down already");
      await notifyOwner(tx, down, "LISTING_HIDDEN", { title: down.title, reason });
    });
  }

  /**
   * `listings:member-suspension`: hides every listing of a suspended member, or shows again what
   * the suspension hid (a listing taken down stays down). How many changed (0 on a replay).
   */
  async applySuspension({ userId, suspended }: JobPayload<typeof TASKS.memberSuspension>): Promise<number> {
    const changed = await this.store.transaction((tx) =>
      suspended ? this.store.hideForSuspension(tx, userId) : this.store.showAfterReinstatement(tx, userId),
    );
    this.log.info({ userId, suspended, listings: changed.length }, "member-suspension: listings updated");
    return changed.length;
  }

  /**
   * Lifts a takedown (admins; the resolver checks the stored role). Restoring a listing that is not
   * down answers it unchanged. The owner is told once it is visible again: a listing still hidden
   * by its owner's suspension is not (reinstatement shows it, and identity tells them of that).
   */
  async restore(adminId: string, listingId: string): Promise<Outcome<ListingRow>> {
    return this.store.transaction(async (tx) => {
      const current = await this.store.lock(tx, listingId);
      if (!current) return refusal("NOT_FOUND", "This listing was not found.", "id");
      const restored = await this.store.liftTakedown(tx, listingId);
      if (!restored) return accepted(current);
      await recordAdminAct(tx, {
        admin: adminId,
        action: "LISTING_RESTORED",
        subject: { kind: "LISTING", id: listingId },
        members: [restored.ownerId],
        reason: null,
        details: {},
      });
      if (!isHidden(restored)) {
        await notifyOwner(tx, restored, "LISTING_RESTORED", { title: restored.title }, current.takenDownAt!);
      }
      return accepted(restored);
    });
  }
}

/**
 * One notification per takedown (and per lifting of it): the key names the listing and the
 * takedown's time, so a rerun records nothing more and a later takedown is told again.
 */
async function notifyOwner(
  tx: Tx,
  row: ListingRow,
  kind: "LISTING_HIDDEN" | "LISTING_RESTORED",
  details: Record<string, string>,
  takenDownAt: Date = row.takenDownAt!,
): Promise<void> {
  const key = `${kind === "LISTING_HIDDEN" ? "listing-hidden" : "listing-restored"}:${row.id}:${takenDownAt.getTime()}`;
  await enqueueJob(tx, TASKS.notify, { userId: row.ownerId, kind, key, details });
}
