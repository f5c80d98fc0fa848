// The ledger's internal fields, as trades calls them (documents: ledger-client.graphql).
import type { InternalRequester } from "@localex/common";
import {
  PlaceHoldDocument,
  ReleaseHoldDocument,
  SettleHoldDocument,
  type PlaceHoldMutation,
  type PlaceHoldMutationVariables,
} from "./ledger-client.generated.ts";

/** What the ledger says of an escrow hold: placed, settled or released (ok), or why not (code), and its status. */
export type HoldOutcome = PlaceHoldMutation["placeHold"];

export async function placeHold(internal: InternalRequester, hold: PlaceHoldMutationVariables): Promise<HoldOutcome> {
  return (await internal.request("ledger", PlaceHoldDocument, hold)).placeHold;
}

export async function settleHold(internal: InternalRequester, holdKey: string): Promise<HoldOutcome> {
  return (await internal.request("ledger", SettleHoldDocument, { holdKey })).settleHold;
}

export async function releaseHold(internal: InternalRequester, holdKey: string): Promise<HoldOutcome> {
  return (await internal.request("ledger", ReleaseHoldDocument, { holdKey })).releaseHold;
}
