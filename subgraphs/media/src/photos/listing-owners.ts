import type { ErrorCode, InternalRequester } from "@localex/common";
import { listingOwners, type ListingOwnership } from "./listings-client.ts";

/** Statuses in which a listing's photos may still change. */
const EDITABLE = new Set(["DRAFT", "ACTIVE", "RESERVED"]);

/** Who owns a listing, asked of the listings subgraph's internal field (docs/contracts.md). */
export class ListingOwners {
  constructor(private readonly internal: InternalRequester) {}

  async of(ids: readonly string[]): Promise<ListingOwnership[]> {
    if (ids.length === 0) return [];
    return listingOwners(this.internal, ids);
  }

  /** Why `userId` may not change this listing's photos, or null when they may. */
  async refusal(userId: string, listingId: string): Promise<{ code: ErrorCode; message: string } | null> {
    const [listing] = await this.of([listingId]);
    if (!listing) return { code: "NOT_FOUND", message: "There is no listing with that id." };
    if (listing.ownerId !== userId) return { code: "FORBIDDEN", message: "Only the listing's owner can change its photos." };
    if (!EDITABLE.has(listing.status)) return { code: "INVALID_STATE", message: `The listing is ${listing.status}; its photos can no longer change.` };
    return null;
  }
}
