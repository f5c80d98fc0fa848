import type { Caller } from "@localex/common";
import type { MediaRow } from "../db/schema.ts";

export const isOwnerOrAdmin = (row: Pick<MediaRow, "ownerId">, caller: Caller | null): boolean =>
  caller !== null && (caller.userId === row.ownerId || caller.role === "admin");

/**
 * Who may see a media item at all: public photos and avatars once READY, to anyone; their
 * owner (and admins) at every stage; private documents only ever to their owner and admins.
 */
export function canSee(row: MediaRow, caller: Caller | null): boolean {
  if (isOwnerOrAdmin(row, caller)) return true;
  return row.purpose !== "DOCUMENT" && row.status === "READY";
}
