import { InternalCallError, type InternalClient, type MemberRecordSection } from "@localex/common";
import type { MediaRow } from "../db/schema.ts";

/** Where each other subgraph answers its section of a member's export (docs/contracts.md). */
const SECTION_FIELDS = {
  identity: "exportIdentityRecords",
  listings: "exportListingRecords",
  trades: "exportTradeRecords",
  ledger: "exportLedgerRecords",
} as const;

/** Every other subgraph's section, asked in parallel; a subgraph that fails fails the export (it is retried). */
export async function gatherSections(internal: InternalClient, userId: string): Promise<MemberRecordSection[]> {
  return Promise.all(
    Object.entries(SECTION_FIELDS).map(async ([subgraph, field]) => {
      const data = await internal.request<Record<string, string>>(
        subgraph as keyof typeof SECTION_FIELDS,
        `query ($userId: ID!) { ${field}(userId: $userId) }`,
        { userId },
      );
      const text = data[field];
      if (typeof text !== "string") throw new InternalCallError(subgraph as keyof typeof SECTION_FIELDS, "INTERNAL_SERVER_ERROR", `${field} answered nothing`);
      return JSON.parse(text) as MemberRecordSection;
    }),
  );
}

/** Media's own section: the member's files, with links to the public ones (documents are listed, never linked). */
export function mediaSection(rows: MediaRow[], publicUrl: (key: string) => string): MemberRecordSection {
  return {
    name: "media",
    about: "Your photos, avatar and documents. Public images are linked; private documents are listed without a link.",
    fields: {
      id: "The file's id.",
      purpose: "LISTING_PHOTO, AVATAR or DOCUMENT.",
      listingId: "The listing a photo belongs to.",
      status: "PENDING, PROCESSING, READY or FAILED.",
      filename: "The name it was uploaded with.",
      contentType: "What the file is.",
      byteSize: "The upload's size in bytes.",
      url: "Where the largest public rendition is (photos and avatars that are READY).",
      createdAt: "When it was uploaded.",
    },
    records: rows.map((row) => {
      const largest = row.purpose === "DOCUMENT" ? null : (row.variants.LARGE ?? row.variants.ORIGINAL ?? null);
      return {
        id: row.id,
        purpose: row.purpose,
        listingId: row.listingId,
        status: row.status,
        filename: row.filename,
        contentType: row.contentType,
        byteSize: row.byteSize,
        url: row.status === "READY" && largest ? publicUrl(largest.key) : null,
        createdAt: row.createdAt.toISOString(),
      };
    }),
  };
}
