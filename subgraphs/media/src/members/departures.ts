import { eq } from "drizzle-orm";
import { GraphQLError } from "graphql";
import { apiError, refusal, type Refusal } from "@localex/common";
import { departures, type MediaDatabase, type Tx } from "../db/schema.ts";
import type { MediaStore } from "../media/media.store.ts";

/**
 * The gate between forgetting a member's files and storing new ones (issue 20). The mark is
 * written under the owner's lock (MediaStore.lockOwner), which every transaction that records
 * something of the member's (an upload, an export job, an export's archive) holds while it reads
 * the mark: each either commits before the mark, and the forgetting that follows it deletes what
 * it recorded, or sees the mark and records nothing.
 */
export async function markDeparted(store: MediaStore, ownerId: string): Promise<void> {
  await store.db.transaction(async (tx) => {
    await store.lockOwner(tx, ownerId);
    await tx.insert(departures).values({ userId: ownerId }).onConflictDoNothing();
  });
}

/** Whether the member's files were forgotten. Decisive only under the owner's lock; without it, a quick answer. */
export async function hasDeparted(executor: Tx | MediaDatabase, ownerId: string): Promise<boolean> {
  const [row] = await executor.select({ userId: departures.userId }).from(departures).where(eq(departures.userId, ownerId));
  return row !== undefined;
}

const MESSAGE = "This account is being deleted: nothing more is stored for it.";

/** A refusal as data (uploads). */
export const departingRefusal = (field: string): Refusal => refusal("MEMBER_DEPARTING", MESSAGE, field);

/** A refusal as an error (identity's startDataExport). */
export const departing = (): GraphQLError => apiError("MEMBER_DEPARTING", MESSAGE);
