import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print, type DocumentNode, type GraphQLError } from "graphql";
import { Pool } from "undici";
import { CALLER_HEADER, serviceCaller, signCallerToken } from "./auth.ts";
import type { CallerKeys } from "./caller-keys.ts";
import type { SubgraphName } from "./config.ts";
import { subgraphUnavailable } from "./errors.ts";
import { currentRequestId, REQUEST_ID_HEADER } from "./request-id.ts";

/** The request being served's id, for a call made on its behalf. */
const requestIdHeader = (): Record<string, string> => {
  const id = currentRequestId();
  return id ? { [REQUEST_ID_HEADER]: id } : {};
};

export type { TypedDocumentNode };

/** A document's text, printed once (documents are module constants, generated beside their callers). */
const texts = new WeakMap<DocumentNode, string>();
function textOf(document: DocumentNode): string {
  let text = texts.get(document);
  if (text === undefined) {
    text = print(document);
    texts.set(document, text);
  }
  return text;
}

/** Where each subgraph listens; filled in as they start. */
export class SubgraphDirectory {
  private readonly urls = new Map<SubgraphName, string>();

  set(name: SubgraphName, url: string): void {
    this.urls.set(name, url);
  }

  urlOf(name: SubgraphName): string {
    const url = this.urls.get(name);
    if (!url) throw new Error(`The ${name} subgraph's address is not known yet.`);
    return url;
  }
}

/** A GraphQL error from another subgraph, with its code, so callers can decide to retry. */
export class InternalCallError extends Error {
  constructor(
    readonly target: SubgraphName,
    readonly code: string,
    message: string,
  ) {
    super(`${target}: ${message}`);
    this.name = "InternalCallError";
  }
}

/**
 * Calls another subgraph's internal fields (marked `@inaccessible`, so absent from the public
 * API) with a service identity signed with this service's own key. Subgraphs never import each
 * other; this, federation and the job queue are how they meet. Every call sends a typed document
 * generated from the callee's schema (`<callee>-client.graphql` beside the caller, `pnpm
 * internal:generate`; docs/contracts.md), so its variables and result are typed by what the
 * callee serves, never by a string and a hand-written type.
 */
export class InternalClient {
  /** Keep-alive connections per subgraph address (undici, as the gateway's own calls). */
  private readonly pools = new Map<string, Pool>();

  constructor(
    private readonly from: SubgraphName,
    private readonly keys: CallerKeys,
    private readonly directory: SubgraphDirectory,
  ) {}

  private poolFor(url: URL): Pool {
    let pool = this.pools.get(url.origin);
    if (!pool) {
      pool = new Pool(url.origin, { connections: 64 });
      this.pools.set(url.origin, pool);
    }
    return pool;
  }

  async request<Result, Variables extends Record<string, unknown>>(
    target: SubgraphName,
    document: TypedDocumentNode<Result, Variables>,
    variables: Variables,
  ): Promise<Result> {
    const token = await signCallerToken(this.keys, serviceCaller(this.from), { signer: this.from, audience: target });
    const url = new URL(this.directory.urlOf(target));
    const response = await this.poolFor(url).request({
      path: `${url.pathname}${url.search}`,
      method: "POST",
      headers: { "content-type": "application/json", [CALLER_HEADER]: token, ...requestIdHeader() },
      body: JSON.stringify({ query: textOf(document), variables }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await response.body.json()) as { data?: Result; errors?: GraphQLError[] };
    const error = body.errors?.[0];
    if (error) {
      throw new InternalCallError(target, String(error.extensions?.code ?? "INTERNAL_SERVER_ERROR"), error.message);
    }
    if (!body.data) throw new InternalCallError(target, "INTERNAL_SERVER_ERROR", `HTTP ${response.statusCode} without data`);
    return body.data;
  }

  /** Closes the keep-alive connections. */
  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.close()));
    this.pools.clear();
  }
}

/** What a typed client (`<callee>-client.ts`) needs of InternalClient. */
export type InternalRequester = Pick<InternalClient, "request">;

/**
 * What a member is told when a call to another subgraph, made to answer them, failed on our
 * side (unreachable, timed out, a fault there): SUBGRAPH_UNAVAILABLE naming the service, a
 * code a client can retry on, instead of a masked internal error.
 */
export function unavailable(target: SubgraphName, cause: unknown): GraphQLError {
  return subgraphUnavailable(target, "call-failed", cause);
}
