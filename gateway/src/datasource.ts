import { STATUS_CODES } from "node:http";
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import type { GatewayGraphQLRequestContext, GatewayGraphQLResponse } from "@apollo/server-gateway-interface";
import { GraphQLError } from "graphql";
import { Pool, type Dispatcher } from "undici";
import { CALLER_HEADER, currentRequestId, REQUEST_ID_HEADER, signCallerToken, subgraphUnavailable, type CallerKeys, type SubgraphName } from "@localex/common";
import type { GatewayContext } from "./caller.ts";
import { InFlightFetches, isQueryFetch, type RawAnswer } from "./deduplication.ts";
import { EntityFetchMerger, isEntityFetch, type SubgraphOperation } from "./entity-fetches.ts";
import { inReadingOrder, separateFiles, type OutgoingFile } from "./uploads/files.ts";
import { encodeMultipart, type OutgoingOperation } from "./uploads/multipart.ts";
import { fileRefusal } from "./uploads/refusal.ts";

/** How long a subgraph may take to answer once a request's last byte is sent (undici's own default, counted from the end). */
export const ANSWER_TIMEOUT_MS = 300_000;

export interface CallerDataSourceOptions {
  /** The largest file a client may upload, for the message when one is larger. */
  maxFileBytes: number;
  /** How long a subgraph may take to answer an operation (headers and body), in ms. */
  timeoutMs: number;
  /** Connections to the subgraph for operations (GATEWAY_SUBGRAPH_CONNECTIONS; unset: 256). */
  connections?: number;
  /** Connections to the subgraph for uploads, a pool of their own (GATEWAY_UPLOAD_CONNECTIONS; unset: 64). */
  uploadConnections?: number;
  /** Identical query fetches in flight at once share one request (deduplication.ts); unset: each is sent. */
  inFlight?: InFlightFetches;
  /** A client query's entity fetches to this subgraph started together go as one request (entity-fetches.ts). */
  mergeEntityFetches?: boolean;
}

/**
 * Sends the gateway's subgraph requests, with the caller's identity signed with the gateway's own key.
 *
 * It implements @apollo/gateway's `GraphQLDataSource` on undici's keep-alive connection pool
 * instead of extending `RemoteGraphQLDataSource`: that class builds a node-fetch `Request`
 * (legacy URL parsing, header objects) on every call and went through WHATWG fetch streams,
 * about a third of the gateway's CPU per operation under `pnpm bench:ledger`. Non-2xx answers
 * become errors the same way `RemoteGraphQLDataSource` makes them.
 *
 * A fetch whose variables hold the client's files (a multipart request to the gateway) goes
 * on as a multipart request too, each file streamed from the client's upload as it arrives,
 * on connections of its own.
 */
export class CallerDataSource implements GraphQLDataSource<GatewayContext> {
  private readonly pool: Pool;
  /**
   * Uploads' own connections, opened with the first: an upload holds its connection for as
   * long as its client takes to send the file, so uploads sharing `pool` would queue every
   * other request to the subgraph behind them.
   */
  private uploadPool: Pool | undefined;
  private readonly path: string;
  private readonly origin: string;
  private readonly merger: EntityFetchMerger | undefined;

  constructor(
    private readonly subgraph: SubgraphName,
    private readonly url: string,
    /** Holds the gateway's private key (`signingKey("gateway")`). */
    private readonly keys: CallerKeys,
    private readonly options: CallerDataSourceOptions,
  ) {
    const target = new URL(url);
    this.path = `${target.pathname}${target.search}`;
    this.origin = target.origin;
    // undici's own defaults wait 300 s for headers and between body chunks.
    this.pool = new Pool(target.origin, { connections: options.connections ?? 256, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs });
    this.merger = options.mergeEntityFetches ? new EntityFetchMerger((context, operation) => this.sendJson(context, operation, true)) : undefined;
  }

  async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const { request, context } = options;
    const { query, operationName, variables, extensions } = request;
    if (!query) throw new Error("Missing query");

    // Only a multipart request can have brought files; a JSON one is never searched for them.
    if (variables && "incomingRequestContext" in options && isMultipart(options.incomingRequestContext)) {
      const separated = separateFiles(variables);
      if (separated) {
        const operation = { query, operationName, variables: separated.variables, extensions };
        return this.sendFiles(await this.headersFor(context), operation, inReadingOrder(query, separated.files));
      }
    }
    const operation: SubgraphOperation = { query, operationName, variables, extensions };
    const isQuery = isQueryFetch(options);
    if (this.merger && isQuery && isEntityFetch(operation)) return this.merger.fetch(context, operation);
    return this.sendJson(context, operation, isQuery);
  }

  /** Every request is signed for this subgraph, anonymous ones too: subgraphs answer nothing unsigned. */
  private async headersFor(context: Partial<GatewayContext>): Promise<Record<string, string>> {
    const { caller = null, clientAddress = null } = context;
    const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
    headers[CALLER_HEADER] = await signCallerToken(this.keys, caller, { signer: "gateway", audience: this.subgraph, clientAddress });
    const requestId = currentRequestId();
    if (requestId) headers[REQUEST_ID_HEADER] = requestId;
    return headers;
  }

  private async sendJson(context: Partial<GatewayContext>, operation: SubgraphOperation, isQuery: boolean): Promise<GatewayGraphQLResponse> {
    const headers = await this.headersFor(context);
    const body = JSON.stringify(operation);
    const send = async (): Promise<RawAnswer> => {
      try {
        return await this.post(headers, body);
      } catch (e) {
        // A connection lost before any answer (a keep-alive one the subgraph or a proxy closed
        // as we reused it): a query is a read, so it goes once more; a mutation may have been
        // applied, so it never does.
        if (!isQuery || !isLostConnection(e)) throw this.unavailable(e);
        try {
          return await this.post(headers, body);
        } catch (again) {
          throw this.unavailable(again);
        }
      }
    };
    const { inFlight } = this.options;
    return this.answer(await (inFlight && isQuery ? inFlight.share(headers[CALLER_HEADER]!, body, send) : send()));
  }

  private async post(headers: Record<string, string>, body: string): Promise<RawAnswer> {
    const response = await this.pool.request({
      path: this.path,
      method: "POST",
      headers,
      body,
      // The whole exchange, not only each wait: a subgraph trickling its answer is as stuck.
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    return read(response);
  }

  /** A subgraph that timed out or could not be reached, as an error a client can act on (retry later). */
  private unavailable(e: unknown): unknown {
    if (e instanceof GraphQLError) return e;
    const name = (e as { name?: string; code?: string }).name ?? "";
    const code = (e as { code?: string }).code ?? "";
    if (name === "TimeoutError" || code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") {
      return subgraphUnavailable(this.subgraph, { timeoutSeconds: this.options.timeoutMs / 1000 });
    }
    if (code === "ECONNREFUSED" || code === "UND_ERR_SOCKET" || code === "ECONNRESET" || code === "UND_ERR_CLOSED") {
      return subgraphUnavailable(this.subgraph, "unreachable");
    }
    return e;
  }

  /** The fetch as a GraphQL multipart request, the files streamed in the order the subgraph reads them. */
  private async sendFiles(headers: Record<string, string>, operation: OutgoingOperation, files: OutgoingFile[]): Promise<GatewayGraphQLResponse> {
    // undici's headers timeout runs from the first byte sent; an upload from a slow client
    // can outlast it. The subgraph's answer is timed from the last byte instead.
    const answered = new AbortController();
    let answerTimer: NodeJS.Timeout | undefined;
    let settled = false;
    const form = encodeMultipart(operation, files, () => {
      if (settled) return; // it answered before reading everything
      const late = new Error(`The ${this.subgraph} subgraph did not answer an upload within ${ANSWER_TIMEOUT_MS / 1000} s.`);
      answerTimer = setTimeout(() => answered.abort(late), ANSWER_TIMEOUT_MS).unref();
    });
    headers["content-type"] = form.contentType;
    // The subgraph refuses multipart requests without it (CSRF); the gateway checked the client's.
    headers["apollo-require-preflight"] = "true";
    let response: Dispatcher.ResponseData;
    try {
      this.uploadPool ??= new Pool(this.origin, { connections: this.options.uploadConnections ?? 64, bodyTimeout: this.options.timeoutMs });
      response = await this.uploadPool.request({ path: this.path, method: "POST", headers, body: form.body, headersTimeout: 0, signal: answered.signal });
    } catch (e) {
      const failure = form.failure();
      throw failure ? fileRefusal(failure, this.options.maxFileBytes) : e;
    } finally {
      settled = true;
      clearTimeout(answerTimer);
    }
    return this.answer(await read(response));
  }

  private answer(response: RawAnswer): GatewayGraphQLResponse {
    const { contentType } = response;
    const json = contentType.startsWith("application/json") || contentType.startsWith("application/graphql-response+json");
    const body: unknown = json ? JSON.parse(response.body) : response.body;
    if (response.statusCode < 200 || response.statusCode > 299) {
      throw new GraphQLError(`${response.statusCode}: ${STATUS_CODES[response.statusCode] ?? "Error"}`, {
        extensions: {
          ...(response.statusCode === 401 ? { code: "UNAUTHENTICATED" } : {}),
          ...(response.statusCode === 403 ? { code: "FORBIDDEN" } : {}),
          // The subgraph's name, never its address: this error reaches clients.
          subgraph: this.subgraph,
          response: { status: response.statusCode, body },
        },
      });
    }
    if (typeof body !== "object" || body === null) throw new Error(`Expected JSON response body, but received: ${String(body)}`);
    return body as GatewayGraphQLResponse;
  }

  /** Closes the pools' keep-alive connections. */
  async close(): Promise<void> {
    await Promise.all([this.pool.close(), this.uploadPool?.close()]);
  }
}

/** The connection went before an answer: reset, or closed by the other side. Not a refusal, not a timeout. */
function isLostConnection(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return code === "ECONNRESET" || code === "UND_ERR_SOCKET" || code === "UND_ERR_CLOSED";
}

async function read(response: Dispatcher.ResponseData): Promise<RawAnswer> {
  return { statusCode: response.statusCode, contentType: String(response.headers["content-type"] ?? ""), body: await response.body.text() };
}

function isMultipart(incoming: GatewayGraphQLRequestContext<GatewayContext>): boolean {
  return incoming.request.http?.headers.get("content-type")?.startsWith("multipart/form-data") ?? false;
}
