import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { ApolloServerPlugin } from "@apollo/server";
import { InMemoryLRUCache, type KeyValueCache } from "@apollo/utils.keyvaluecache";
import { GraphQLError } from "graphql";
import { apiError } from "@localex/common";

export type PersistedOperationsMode = "open" | "safelist";

/** The typed client's manifest, as `pnpm client:generate` writes it: `sha256:<hex>` → document text. */
export const DEFAULT_MANIFEST = fileURLToPath(new URL("../../packages/client/src/gql/persisted-documents.json", import.meta.url));

/** How Apollo Server names an automatic persisted query in its cache. */
const APQ_PREFIX = "apq:";

const CHECKED_OVER_SOCKET = Symbol("checked over the socket");

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * Persisted operations (issue 13). Clients may send a SHA-256 hash instead of the operation's
 * text (automatic persisted queries): the typed client's manifest is known from the start, and in
 * `open` mode other operations are remembered once a client has sent their text. In `safelist`
 * mode only the manifest's operations run, over HTTP and WebSocket alike; anything else is
 * refused with PERSISTED_QUERY_NOT_IN_LIST before it is planned.
 */
export class PersistedOperations {
  private constructor(
    readonly mode: PersistedOperationsMode,
    /** hex SHA-256 of the text → the text (hashed here again: an entry whose key lies is keyed by the truth). */
    private readonly manifest: ReadonlyMap<string, string>,
  ) {}

  static async load(mode: PersistedOperationsMode, manifestPath: string = DEFAULT_MANIFEST): Promise<PersistedOperations> {
    let text: string;
    try {
      text = await readFile(manifestPath, "utf8");
    } catch (error) {
      if (mode === "safelist")
        throw new Error(`PERSISTED_OPERATIONS=safelist needs the manifest at ${manifestPath} (PERSISTED_OPERATIONS_MANIFEST): ${String(error)}`);
      return new PersistedOperations(mode, new Map());
    }
    const entries = Object.values(JSON.parse(text) as Record<string, unknown>).filter((d): d is string => typeof d === "string");
    return new PersistedOperations(mode, new Map(entries.map((document) => [sha256(document), document])));
  }

  /**
   * Marks a WebSocket operation's context as checked by resolveSocketOperation, so Apollo's own
   * pass does not judge its re-printed text. A symbol key: Apollo clones the context per request
   * (Object.assign keeps symbol keys), and no client can set one.
   */
  checkedSocketOperation<T extends object>(context: T): T {
    return Object.assign(context, { [CHECKED_OVER_SOCKET]: true });
  }

  get size(): number {
    return this.manifest.size;
  }

  /** Apollo Server's store of persisted queries: the manifest, then (open mode) what clients registered. */
  cache(): KeyValueCache<string> {
    const registered = new InMemoryLRUCache<string>({ maxSize: 8 * 1024 * 1024 });
    const manifest = this.manifest;
    const open = this.mode === "open";
    return {
      async get(key) {
        const hash = key.startsWith(APQ_PREFIX) ? key.slice(APQ_PREFIX.length) : key;
        return manifest.get(hash) ?? (open ? registered.get(key) : undefined);
      },
      async set(key, value, options) {
        if (open) await registered.set(key, value, options);
      },
      async delete(key) {
        await registered.delete(key);
      },
    };
  }

  /** Refuses, in safelist mode, an HTTP operation whose text is not in the manifest (Apollo has hashed it by then). */
  plugin<TContext extends object>(): ApolloServerPlugin<TContext> {
    const refusal = (hash: string | undefined, context: object) =>
      this.allows(hash) || (context as Record<symbol, unknown>)[CHECKED_OVER_SOCKET] === true ? null : notInList();
    return {
      async requestDidStart() {
        return {
          async didResolveOperation({ queryHash, contextValue }) {
            const refused = refusal(queryHash, contextValue);
            if (refused) throw refused;
          },
        };
      },
    };
  }

  /**
   * A WebSocket operation's text: its own, or the manifest's for `extensions.persistedQuery`;
   * an error when safelisting refuses it or the hash is unknown.
   */
  resolveSocketOperation(payload: { query?: string | null; extensions?: Record<string, unknown> | null }): string | GraphQLError {
    const persisted = payload.extensions?.persistedQuery as { sha256Hash?: unknown } | undefined;
    if (!payload.query && typeof persisted?.sha256Hash === "string") {
      return this.manifest.get(persisted.sha256Hash) ?? apiError("PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound");
    }
    const query = payload.query ?? "";
    return this.allows(sha256(query)) ? query : notInList();
  }

  private allows(hash: string | undefined): boolean {
    return this.mode === "open" || (hash !== undefined && this.manifest.has(hash));
  }
}

function notInList(): GraphQLError {
  return apiError(
    "PERSISTED_QUERY_NOT_IN_LIST",
    "This graph runs only the operations of its published clients (a safelist); this operation is not one of them.",
    { http: { status: 400 } },
  );
}
