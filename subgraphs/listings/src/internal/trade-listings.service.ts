import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { accepted, badUserInput, isUuid, refusal, type Accepted, type ListingStatusName, type Refusal } from "@localex/common";
import { retryDatabaseWork } from "@localex/common";
import { listings, type ListingRow, type ListingsDatabase, type Tx } from "../db/schema.ts";
import { bumped, enqueueIndexing } from "../listings/documents.ts";
import { isHidden } from "../listings/listings.service.ts";

const MAX_LISTINGS_PER_TRADE = 100;
const MAX_INFO_IDS = 500;

/** LISTING_UNAVAILABLE, naming the listings a trade cannot have (nothing changed). */
export type UnavailableListings = Refusal & { unavailableListingIds: string[] };
/** Every listing reserved for the trade, or the ones that cannot be. */
export type Reservation = Accepted<void> | UnavailableListings;
/** How many listings became TRADED now (0 on a replay), or the ones that cannot be handed over. */
export type HandOver = Accepted<number> | UnavailableListings;

function unavailableListings(ids: string[]): UnavailableListings {
  return { ...refusal("LISTING_UNAVAILABLE", `These listings are not available to this trade: ${ids.join(", ")}.`), unavailableListingIds: ids };
}

/**
 * The listings side of a trade: holding listings for it, freeing them, handing them over.
 * Every operation is idempotent per trade, so trades can retry after any fault, and each is
 * run again here when its database connection is lost (killed, restarted).
 */
export class TradeListingsService {
  constructor(private readonly db: ListingsDatabase) {}

  async info(
    ids: readonly string[],
  ): Promise<(Pick<ListingRow, "id" | "ownerId" | "status" | "tradeId" | "title" | "condition" | "creditPrice"> & { hidden: boolean })[]> {
    const valid = [...new Set(ids.filter(isUuid))];
    if (valid.length === 0) return [];
    if (valid.length > MAX_INFO_IDS) throw badUserInput(`Ask for at most ${MAX_INFO_IDS} listings at once.`, "ids");
    return this.db
      .select({
        id: listings.id,
        ownerId: listings.ownerId,
        status: listings.status,
        tradeId: listings.tradeId,
        title: listings.title,
        condition: listings.condition,
        creditPrice: listings.creditPrice,
        hidden: sql<boolean>`(${listings.takenDownAt} is not null or ${listings.ownerSuspendedAt} is not null)`,
      })
      .from(listings)
      .where(inArray(listings.id, valid));
  }

  /**
   * All or nothing: every listing ACTIVE (and not hidden by moderation), or already RESERVED for
   * this trade, ends RESERVED for it. A listing taken down or whose owner is suspended cannot enter
   * a trade; one this trade already holds stays its (a replay, or a hand-over later, still works).
   */
  async reserve(tradeId: string, listingIds: readonly string[]): Promise<Reservation> {
    const ids = [...new Set(listingIds)];
    if (ids.length > MAX_LISTINGS_PER_TRADE) {
      throw badUserInput(`A trade may hold at most ${MAX_LISTINGS_PER_TRADE} listings.`, "listingIds");
    }
    const malformed = ids.filter((id) => !isUuid(id));
    if (malformed.length > 0) return unavailableListings(malformed);
    if (ids.length === 0) return accepted();
    return retryDatabaseWork(() => this.db.transaction((tx) => this.reserveIn(tx, tradeId, ids)));
  }

  private async reserveIn(tx: Tx, tradeId: string, ids: string[]): Promise<Reservation> {
    // Locked in id order, so two reservations over overlapping listings cannot deadlock.
    const rows = await tx.select().from(listings).where(inArray(listings.id, ids)).orderBy(asc(listings.id)).for("update");
    const byId = new Map(rows.map((r) => [r.id, r]));
    const unavailable = ids.filter((id) => {
      const row = byId.get(id);
      return !row || !((row.status === "ACTIVE" && !isHidden(row)) || (row.status === "RESERVED" && row.tradeId === tradeId));
    });
    if (unavailable.length > 0) return unavailableListings(unavailable);
    const toReserve = rows.filter((r) => r.status === "ACTIVE").map((r) => r.id);
    if (toReserve.length > 0) {
      const changed = await tx
        .update(listings)
        .set({ status: "RESERVED", tradeId, ...bumped })
        .where(inArray(listings.id, toReserve))
        .returning();
      await enqueueIndexing(tx, changed);
    }
    return accepted();
  }

  /** RESERVED for this trade → ACTIVE; how many changed (0 on a replay). */
  release(tradeId: string): Promise<number> {
    return this.moveReserved(tradeId, "ACTIVE");
  }

  /** RESERVED for this trade → TRADED; how many changed (0 on a replay). */
  complete(tradeId: string): Promise<number> {
    return this.moveReserved(tradeId, "TRADED");
  }

  /**
   * Settlement's hand-over, checked: every listing named must be RESERVED for this trade or
   * already TRADED for it (a replay); then the RESERVED ones become TRADED. If any is not (it
   * was released, or is held for another trade), nothing changes and those ids return, so the
   * trade can stop before it moves anything it cannot complete.
   */
  async handOver(tradeId: string, listingIds: readonly string[]): Promise<HandOver> {
    const ids = [...new Set(listingIds)];
    if (ids.length > MAX_LISTINGS_PER_TRADE) {
      throw badUserInput(`A trade may hold at most ${MAX_LISTINGS_PER_TRADE} listings.`, "listingIds");
    }
    const malformed = ids.filter((id) => !isUuid(id));
    if (malformed.length > 0) return unavailableListings(malformed);
    if (ids.length === 0) return accepted(0);
    return retryDatabaseWork(() => this.db.transaction((tx) => this.handOverIn(tx, tradeId, ids)));
  }

  private async handOverIn(tx: Tx, tradeId: string, ids: string[]): Promise<HandOver> {
    const rows = await tx.select().from(listings).where(inArray(listings.id, ids)).orderBy(asc(listings.id)).for("update");
    const byId = new Map(rows.map((r) => [r.id, r]));
    const unavailable = ids.filter((id) => {
      const row = byId.get(id);
      return !row || row.tradeId !== tradeId || (row.status !== "RESERVED" && row.status !== "TRADED");
    });
    if (unavailable.length > 0) return unavailableListings(unavailable);
    const toComplete = rows.filter((r) => r.status === "RESERVED").map((r) => r.id);
    if (toComplete.length === 0) return accepted(0);
    const changed = await tx
      .update(listings)
      .set({ status: "TRADED", ...bumped })
      .where(inArray(listings.id, toComplete))
      .returning();
    await enqueueIndexing(tx, changed);
    return accepted(changed.length);
  }

  private async moveReserved(tradeId: string, to: "ACTIVE" | "TRADED"): Promise<number> {
    if (!isUuid(tradeId)) return 0;
    return retryDatabaseWork(() => this.db.transaction((tx) => this.moveIn(tx, tradeId, to)));
  }

  private async moveIn(tx: Tx, tradeId: string, to: "ACTIVE" | "TRADED"): Promise<number> {
    const held = and(eq(listings.tradeId, tradeId), eq(listings.status, "RESERVED" satisfies ListingStatusName));
    const ids = await lockInIdOrder(tx, held);
    if (ids.length === 0) return 0;
    const changed = await tx
      .update(listings)
      .set({ status: to, tradeId: to === "TRADED" ? tradeId : null, ...bumped })
      .where(and(held, inArray(listings.id, ids)))
      .returning();
    await enqueueIndexing(tx, changed);
    return changed.length;
  }
}

async function lockInIdOrder(tx: Tx, where: ReturnType<typeof and>): Promise<string[]> {
  const rows = await tx.select({ id: listings.id }).from(listings).where(where).orderBy(asc(listings.id)).for("update");
  return rows.map((r) => r.id);
}
