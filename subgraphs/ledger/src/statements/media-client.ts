// Media's internal fields, as statements call them (documents: media-client.graphql).
import type { InternalRequester } from "@localex/common";
import { StartLedgerStatementDocument, type StartLedgerStatementMutationVariables } from "./media-client.generated.ts";

/** A new statement job in media for the member and range; its id. */
export async function startLedgerStatement(internal: InternalRequester, statement: StartLedgerStatementMutationVariables): Promise<string> {
  return (await internal.request("media", StartLedgerStatementDocument, statement)).startLedgerStatement;
}
