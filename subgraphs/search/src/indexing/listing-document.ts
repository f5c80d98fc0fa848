import { z } from "zod";
import { listingDocumentSchema, type ListingDocument } from "@localex/common";

// PostgreSQL refuses NUL in text; the rest of the control characters are harmless to store.
const stripNul = (s: string) => s.replaceAll("\u0000", "");

/** The document with text the index can store. */
export function storableDocument(d: ListingDocument): ListingDocument {
  return { ...d, title: stripNul(d.title), description: stripNul(d.description), categorySlug: stripNul(d.categorySlug) };
}

/** A valid document (the contract's schema, packages/common/src/contracts.ts), storable, or the reason it is not one. */
export function parseListingDocument(value: unknown): { ok: true; document: ListingDocument } | { ok: false; problem: string } {
  const parsed = listingDocumentSchema.safeParse(value);
  if (!parsed.success) return { ok: false, problem: z.prettifyError(parsed.error) };
  return { ok: true, document: storableDocument(parsed.data) };
}
