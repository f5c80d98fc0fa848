// Trades' internal fields, as privacy calls them (documents: trades-client.graphql).
import type { InternalRequester } from "@localex/common";
import { AbandonMemberDepartureDocument, BeginMemberDepartureDocument, CloseMemberTradesDocument } from "./trades-client.generated.ts";

/** Marks the member departing unless trades holding escrow stand in the way: those trades' ids (none: marked). */
export async function beginMemberDeparture(internal: InternalRequester, userId: string): Promise<string[]> {
  return (await internal.request("trades", BeginMemberDepartureDocument, { userId })).beginMemberDeparture;
}

/** The deletion was not recorded: the member may trade again. */
export async function abandonMemberDeparture(internal: InternalRequester, userId: string): Promise<void> {
  await internal.request("trades", AbandonMemberDepartureDocument, { userId });
}

/** The deletion's close-trades step (idempotent). */
export async function closeMemberTrades(internal: InternalRequester, userId: string): Promise<void> {
  await internal.request("trades", CloseMemberTradesDocument, { userId });
}
