import { and, asc, eq, inArray } from "drizzle-orm";
import type { MemberRecordSection } from "@localex/common";
import { categories, listings, type ListingsDatabase } from "../db/schema.ts";
import { bumped, enqueueIndexing } from "../listings/documents.ts";

/** Statuses a departing member's listing leaves: nobody can trade for it any more. */
const WITHDRAWN_ON_DEPARTURE = ["DRAFT", "ACTIVE"] as const;

/** What identity asks of listings about one member (issue 12): their export section, and departure. */
export class MemberListingsService {
  constructor(private readonly db: ListingsDatabase) {}

  async exportSection(ownerId: string): Promise<MemberRecordSection> {
    const rows = await this.db
      .select({ listing: listings, category: categories.slug })
      .from(listings)
      .innerJoin(categories, eq(categories.id, listings.categoryId))
      .where(eq(listings.ownerId, ownerId))
      .orderBy(asc(listings.createdAt));
    return {
      name: "listings",
      about: "Every listing you created, in any status, with its exact location.",
      fields: {
        id: "The listing's id.",
        title: "Its title.",
        description: "Its description.",
        category: "The category's slug.",
        condition: "NEW, LIKE_NEW, GOOD, FAIR or POOR.",
        status: "DRAFT, ACTIVE, RESERVED, TRADED or ARCHIVED.",
        creditPrice: "The asking price in credits, if any.",
        location: "Where the item is, exactly as you gave it (others only ever saw an approximate point).",
        attributes: "Extra details by name.",
        createdAt: "When you created it.",
        updatedAt: "When it last changed.",
        takenDownAt: "When an administrator took it down, if one did (it is then hidden from everyone but you and administrators).",
        takenDownReason: "The reason the administrator gave for taking it down.",
        hiddenWhileSuspendedAt: "Since when it is hidden because your account is suspended, if it is.",
      },
      records: rows.map(({ listing, category }) => ({
        id: listing.id,
        title: listing.title,
        description: listing.description,
        category,
        condition: listing.condition,
        status: listing.status,
        creditPrice: listing.creditPrice,
        location: listing.lat === null || listing.lon === null ? null : { lat: listing.lat, lon: listing.lon },
        attributes: listing.attributes,
        createdAt: listing.createdAt.toISOString(),
        updatedAt: listing.updatedAt.toISOString(),
        takenDownAt: listing.takenDownAt?.toISOString() ?? null,
        takenDownReason: listing.takenDownReason,
        hiddenWhileSuspendedAt: listing.ownerSuspendedAt?.toISOString() ?? null,
      })),
    };
  }

  /**
   * The member's DRAFT and ACTIVE listings become ARCHIVED, and search is told (the index job of
   * each, in the same transaction). RESERVED ones belong to an accepted trade, which the deletion
   * refuses before it gets here; TRADED ones stay as the trades' history. Idempotent.
   */
  async withdrawAll(ownerId: string): Promise<number> {
    return this.db.transaction(async (tx) => {
      const changed = await tx
        .update(listings)
        .set({ status: "ARCHIVED", ...bumped })
        .where(and(eq(listings.ownerId, ownerId), inArray(listings.status, [...WITHDRAWN_ON_DEPARTURE])))
        .returning();
      await enqueueIndexing(tx, changed);
      return changed.length;
    });
  }
}
