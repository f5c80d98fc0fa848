// A small typed client over the generated documents: fetch for queries and mutations (and GraphQL
// multipart requests for uploads), graphql-ws for subscriptions. Apollo Client, urql or
// graphql-request accept the same TypedDocumentNode documents; this is for scripts, tests and
// front ends that want nothing more.
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print, type DocumentNode } from "graphql";
import { createClient, type Client, type ClientOptions } from "graphql-ws";

export interface GraphQLErrorJson {
  message: string;
  path?: readonly (string | number)[];
  extensions?: Record<string, unknown>;
}

/** A response with GraphQL errors (`extensions.code` says which), or not JSON at all (e.g. 429). */
export class GraphQLRequestError extends Error {
  constructor(
    readonly status: number,
    readonly errors: readonly GraphQLErrorJson[],
    readonly operationName: string | undefined,
  ) {
    super(
      `${operationName ?? "operation"} failed (HTTP ${status}): ` +
        errors.map((e) => `${e.message}${e.extensions?.code ? ` [${String(e.extensions.code)}]` : ""}`).join("; "),
    );
    this.name = "GraphQLRequestError";
  }

  get codes(): string[] {
    return this.errors.map((e) => String(e.extensions?.code ?? ""));
  }
}

/** Variables as a rest argument: optional when the operation has no required ones. */
type VariablesArgs<TVariables> = Record<string, never> extends TVariables ? [variables?: TVariables] : [variables: TVariables];

export interface LocalexClientOptions {
  /** The gateway's GraphQL endpoint, e.g. http://localhost:4000/graphql. */
  url: string;
  /** An access token (from register, login or refreshSession), sent as `Authorization: Bearer …`. */
  token?: string;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
  /**
   * Send generated operations by their hash (automatic persisted queries), the text only when
   * the gateway asks for it (PERSISTED_QUERY_NOT_FOUND). On by default: required by a gateway in
   * safelist mode, and smaller requests everywhere (docs/client.md).
   */
  persistedOperations?: boolean;
}

const documentText = new WeakMap<object, string>();

/** The document's text, printed once. A TypedDocumentNode is a DocumentNode, whatever its types. */
export function printDocument(document: DocumentNode): string {
  let text = documentText.get(document);
  if (text === undefined) {
    text = print(document);
    documentText.set(document, text);
  }
  return text;
}

/** The SHA-256 GraphQL Code Generator gave the document (its key in persisted-documents.json). */
export function persistedHash(document: DocumentNode): string | undefined {
  const hash = (document as DocumentNode & { __meta__?: { hash?: unknown } }).__meta__?.hash;
  return typeof hash === "string" ? hash.replace(/^sha256:/, "") : undefined;
}

export function operationName(document: DocumentNode): string | undefined {
  for (const definition of document.definitions) {
    if (definition.kind === "OperationDefinition") return definition.name?.value;
  }
  return undefined;
}

export class LocalexClient {
  constructor(readonly options: LocalexClientOptions) {}

  /** The same client, signed in with `token` (or signed out with undefined). */
  withToken(token: string | undefined): LocalexClient {
    return new LocalexClient({ ...this.options, token });
  }

  /** The same client, with more headers on every request. */
  withHeaders(headers: Record<string, string>): LocalexClient {
    return new LocalexClient({ ...this.options, headers: { ...this.options.headers, ...headers } });
  }

  /** Runs a query or mutation; answers `data`, or throws GraphQLRequestError on any GraphQL error. */
  async request<TResult, TVariables>(document: TypedDocumentNode<TResult, TVariables>, ...[variables]: VariablesArgs<TVariables>): Promise<TResult> {
    const headers = { "content-type": "application/json", accept: "application/graphql-response+json, application/json" };
    const operation = { operationName: operationName(document), variables: variables ?? {} };
    const hash = this.options.persistedOperations === false ? undefined : persistedHash(document);
    if (hash) {
      const byHash = JSON.stringify({ ...operation, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });
      try {
        return await this.send(document, { headers, body: byHash });
      } catch (error) {
        // A gateway that does not know it yet (no manifest): send the text as well.
        if (!(error instanceof GraphQLRequestError && error.codes.includes("PERSISTED_QUERY_NOT_FOUND"))) throw error;
      }
    }
    return this.send(document, { headers, body: JSON.stringify({ query: printDocument(document), ...operation }) });
  }

  /**
   * Runs an operation with files as a GraphQL multipart request
   * (https://github.com/jaydenseric/graphql-multipart-request-spec): each `Blob` among the
   * top-level variables (an `Upload` scalar) is sent as a part of its own.
   */
  async upload<TResult, TVariables extends Record<string, unknown>>(
    document: TypedDocumentNode<TResult, TVariables>,
    variables: TVariables,
    filenames: Partial<Record<keyof TVariables, string>> = {},
  ): Promise<TResult> {
    const operationVariables: Record<string, unknown> = { ...variables };
    const map: Record<string, string[]> = {};
    const files: [string, Blob, string][] = [];
    for (const [name, value] of Object.entries(variables)) {
      if (value instanceof Blob) {
        const part = String(files.length);
        operationVariables[name] = null;
        map[part] = [`variables.${name}`];
        files.push([part, value, filenames[name as keyof TVariables] ?? (value as Blob & { name?: string }).name ?? name]);
      }
    }
    const form = new FormData();
    form.append("operations", JSON.stringify({ query: printDocument(document), operationName: operationName(document), variables: operationVariables }));
    form.append("map", JSON.stringify(map));
    for (const [part, blob, filename] of files) form.append(part, blob, filename);
    // The gateway's CSRF prevention lets a multipart request through only with this header.
    return this.send(document, { headers: { "apollo-require-preflight": "true" }, body: form });
  }

  /** `never` variables: any document's variables type fits, as they are already in `init.body`. */
  private async send<TResult>(
    document: TypedDocumentNode<TResult, never>,
    init: { headers: Record<string, string>; body: string | FormData },
  ): Promise<TResult> {
    const response = await (this.options.fetch ?? fetch)(this.options.url, {
      method: "POST",
      headers: {
        ...this.options.headers,
        ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}),
        ...init.headers,
      },
      body: init.body,
    });
    const text = await response.text();
    let body: { data?: TResult | null; errors?: GraphQLErrorJson[] };
    try {
      body = JSON.parse(text);
    } catch {
      throw new GraphQLRequestError(response.status, [{ message: text.slice(0, 500) || response.statusText }], operationName(document));
    }
    if (body.errors?.length || body.data == null) {
      throw new GraphQLRequestError(response.status, body.errors ?? [{ message: "no data" }], operationName(document));
    }
    return body.data;
  }
}

export interface SubscriptionClientOptions extends Omit<ClientOptions, "url" | "connectionParams"> {
  /** The gateway's graphql-ws endpoint, e.g. ws://localhost:4000/graphql. */
  url: string;
  /** Sent as `{ authorization: "Bearer …" }` in the connection params. */
  token?: string;
}

/** A graphql-ws client for the gateway, signed in with `token`. */
export function createSubscriptionClient({ token, ...options }: SubscriptionClientOptions): Client {
  return createClient({ ...options, connectionParams: token ? { authorization: `Bearer ${token}` } : {} });
}

/**
 * Subscribes with a typed document: each event's `data`, in order, until the returned iterator is
 * ended (`return()`, or `break` in a for-await). A GraphQL error ends it by throwing GraphQLRequestError.
 */
export async function* subscribe<TResult, TVariables>(
  client: Client,
  document: TypedDocumentNode<TResult, TVariables>,
  ...[variables]: VariablesArgs<TVariables>
): AsyncGenerator<TResult, void, undefined> {
  const results = client.iterate<TResult>({
    query: printDocument(document),
    operationName: operationName(document),
    variables: (variables ?? {}) as Record<string, unknown>,
  });
  try {
    for await (const result of results) {
      if (result.errors?.length || result.data == null) {
        throw new GraphQLRequestError(101, (result.errors ?? [{ message: "no data" }]) as GraphQLErrorJson[], operationName(document));
      }
      yield result.data;
    }
  } finally {
    await results.return?.();
  }
}
