import { randomUUID } from "node:crypto";
import type { ListingDocument } from "@localex/common";

const LETTERS = "bcdfghjklmnpqrstvwxz";

/** A made-up word no other test uses, so tests can share one index. */
export function uniqueWord(prefix = "zq"): string {
  let word = prefix;
  for (let i = 0; i < 8; i++) word += LETTERS[Math.floor(Math.random() * LETTERS.length)];
  return word;
}

export function listingDocument(overrides: Partial<ListingDocument> = {}): ListingDocument {
  const now = new Date().toISOString();
  return {
    id: randomUUID(),
    ownerId: randomUUID(),
    title: "A thing",
    description: "Something a neighbour no longer needs.",
    categoryId: randomUUID(),
    categorySlug: "things",
    condition: "GOOD",
    status: "ACTIVE",
    creditPrice: 10,
    location: null,
    createdAt: now,
    updatedAt: now,
    version: 1,
    hidden: false,
    ...overrides,
  };
}
