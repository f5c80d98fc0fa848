// What a peer gateway of `pnpm bench:gateway` does with the client's identity, the same as our
// gateway (gateway/src/caller.ts, gateway/src/datasource.ts): it verifies the client's access
// token once per request, then signs a caller token for that member on every subgraph request.
// Without this a peer would send every request as anonymous and the subgraphs would do less
// for it than for ours. Only the ended-sessions check is left out: a lookup in a set that the
// bench's members never enter (none of them signs out).
import { CALLER_HEADER, callerKeysFor, loadConfig, signCallerToken, type Caller, type SubgraphName } from "@localex/common";
import { callerFromAuthorization } from "../../../gateway/src/caller.ts";

const config = loadConfig(process.env, "gateway");
const jwtSecret = config.auth.jwtSecret;
/** The gateway's caller key, as ours has it (CALLER_SIGNING_KEY, or from the graph's CALLER_KEY_SEED). */
const keys = callerKeysFor(config.callers, "gateway");

/** The caller of `Authorization: Bearer <access token>`; no header is anonymous, a bad one is refused (401). */
export function callerOf(authorization: string | null | undefined): Promise<Caller | null> {
  return callerFromAuthorization(jwtSecret, authorization);
}

/** The header our subgraphs insist on, signed for this caller, subgraph and client address. */
export async function signedFor(caller: Caller | null, subgraph: string, clientAddress: string | null): Promise<Record<string, string>> {
  return { [CALLER_HEADER]: await signCallerToken(keys, caller, { signer: "gateway", audience: subgraph as SubgraphName, clientAddress }) };
}
