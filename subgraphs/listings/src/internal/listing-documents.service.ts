import { asc, eq, gt } from "drizzle-orm";
import { badUserInput, isUuid, type ListingDocument } from "@localex/common";
import { categories, listings, type ListingsDatabase } from "../db/schema.ts";
import { toDocument } from "../listings/documents.ts";

export const DOCUMENT_PAGE_DEFAULT = 100;
export const DOCUMENT_PAGE_MAX = 500;

/** Every listing, any status, in id order: what search's full reindex walks through. */
export class ListingDocumentsService {
  constructor(private readonly db: ListingsDatabase) {}

  async page(after: string | null, first: number | null): Promise<{ documents: ListingDocument[]; nextCursor: string | null }> {
    if (after != null && !isUuid(after)) throw badUserInput("`after` is not a cursor from this list.", "after");
    if (first != null && first < 1) throw badUserInput("`first` must be at least 1.", "first");
    const size = Math.min(first ?? DOCUMENT_PAGE_DEFAULT, DOCUMENT_PAGE_MAX);
    const rows = await this.db
      .select({ listing: listings, slug: categories.slug })
      .from(listings)
      .innerJoin(categories, eq(categories.id, listings.categoryId))
      .where(after ? gt(listings.id, after) : undefined)
      .orderBy(asc(listings.id))
      .limit(size + 1);
    const page = rows.slice(0, size);
    return {
      documents: page.map((r) => toDocument(r.listing, r.slug)),
      nextCursor: rows.length > size ? (page.at(-1)?.listing.id ?? null) : null,
    };
  }
}
