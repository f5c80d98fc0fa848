import { z } from "zod";
import type { ListingDocument } from "@localex/common";

const CONDITIONS = ["NEW", "LIKE_NEW", "GOOD", "FAIR", "POOR"] as const;
const STATUSES = ["DRAFT", "ACTIVE", "RESERVED", "TRADED", "ARCHIVED"] as const;

/** The ListingDocument contract (packages/common/src/contracts.ts), checked at the boundary. */
export const listingDocumentSchema = z.object({
  id: z.uuid(),
  ownerId: z.string().min(1),
  title: z.string(),
  description: z.string(),
  categoryId: z.string().min(1),
  categorySlug: z.string(),
  condition: z.enum(CONDITIONS),
  status: z.enum(STATUSES),
  creditPrice: z.number().int().nullable(),
  location: z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }).nullable(),
  createdAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
  version: z.number().int().nonnegative(),
}) satisfies z.ZodType<ListingDocument>;

// PostgreSQL refuses NUL in text; the rest of the control characters are harmless to store.
const stripNul = (s: string) => s.replaceAll("\u0000", "");

/** A valid document, with text the index can store, or the reason it is not one. */
export function parseListingDocument(value: unknown): { ok: true; document: ListingDocument } | { ok: false; problem: string } {
  const parsed = listingDocumentSchema.safeParse(value);
  if (!parsed.success) return { ok: false, problem: z.prettifyError(parsed.error) };
  const d = parsed.data;
  return {
    ok: true,
    document: { ...d, title: stripNul(d.title), description: stripNul(d.description), categorySlug: stripNul(d.categorySlug) },
  };
}
