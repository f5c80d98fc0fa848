// The ledger's internal fields, as privacy calls them (documents: ledger-client.graphql).
import type { InternalRequester } from "@localex/common";
import { CloseMemberAccountDocument } from "./ledger-client.generated.ts";

/** The deletion's close-account step (idempotent). */
export async function closeMemberAccount(internal: InternalRequester, userId: string): Promise<void> {
  await internal.request("ledger", CloseMemberAccountDocument, { userId });
}
