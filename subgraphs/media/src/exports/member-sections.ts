import type { InternalRequester, MemberRecordSection } from "@localex/common";
import type { MediaRow } from "../db/schema.ts";
import { exportIdentityRecords } from "./identity-client.ts";
import { exportLedgerRecords } from "./ledger-client.ts";
import { exportListingRecords } from "./listings-client.ts";
import { exportTradeRecords } from "./trades-client.ts";

/** Each other subgraph's section of a member's export, asked of its internal field (docs/contracts.md). */
const SECTIONS = [exportIdentityRecords, exportListingRecords, exportTradeRecords, exportLedgerRecords];

/** Every other subgraph's section, asked in parallel; a subgraph that fails fails the export (it is retried). */
export async function gatherSections(internal: InternalRequester, userId: string): Promise<MemberRecordSection[]> {
  return Promise.all(SECTIONS.map(async (section) => JSON.parse(await section(internal, userId)) as MemberRecordSection));
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
