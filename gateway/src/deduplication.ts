import type { GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import type { GatewayContext } from "./caller.ts";

/**
 * A subgraph's answer as read off the wire, before parsing. Fetches that share one answer each
 * parse their own copy: @apollo/gateway merges later fetches into the objects it is given, so a
 * parsed answer shared between two operations would carry one's data into the other's.
 */
export interface RawAnswer {
  statusCode: number;
  contentType: string;
  body: string;
}

/**
 * Identical subgraph fetches in flight at once share one request (GATEWAY_DEDUPLICATE_FETCHES).
 * The key is the signed caller token (it names the caller, their role and session, the client's
 * address, which rate limits read, and the subgraph it is for) and the whole request body
 * (document, operation name, variables, extensions): two fetches share an answer only when the
 * subgraph could not tell them apart. The request id of a joining fetch is not sent on.
 */
export class InFlightFetches {
  private readonly pending = new Map<string, Promise<RawAnswer>>();

  constructor(private readonly onJoined: () => void = () => {}) {}

  share(token: string, body: string, fetch: () => Promise<RawAnswer>): Promise<RawAnswer> {
    const key = `${token}\u0000${body}`;
    const running = this.pending.get(key);
    if (running) {
      this.onJoined();
      return running;
    }
    const started = fetch().finally(() => this.pending.delete(key));
    this.pending.set(key, started);
    return started;
  }
}

/** Only fetches of a client's query may share: never a mutation's, whatever the fetch itself is. */
export function isQueryFetch(options: GraphQLDataSourceProcessOptions<GatewayContext>): boolean {
  return "incomingRequestContext" in options && options.incomingRequestContext.operation?.operation === "query";
}
