import type { Server } from "node:http";
import { createSourceEventStream, execute, GraphQLError, parse, validate, type ExecutionResult, type GraphQLSchema } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import { verifyCallerToken, type RequestOrigin } from "./auth.ts";
import type { CallerKeys } from "./caller-keys.ts";
import type { SubgraphName } from "./config.ts";
import type { Logger } from "./logger.ts";
import { closeForRestart } from "./shutdown.ts";
import { apiError } from "./errors.ts";

/** The caller the gateway signs its own subgraph connections with. */
export const GATEWAY_SERVICE = "service:gateway";

/**
 * The largest message a subgraph accepts on its subscription socket. One socket carries every
 * subscription from a gateway, and a larger message closes it (1009) for all of them, so the
 * gateway checks each message against this before it sends (gateway/src/subscriptions/upstream.ts).
 */
export const SUBGRAPH_MESSAGE_MAX_BYTES = 1024 * 1024;

/**
 * Subgraphs parse at most this many tokens, over HTTP and WebSocket alike: above the gateway's
 * 4000 (a query plan's fetch can outgrow the client's operation), yet never without bound.
 */
export const SUBGRAPH_MAX_TOKENS = 20_000;

/**
 * graphql-ws on a subgraph, for the gateway only: the connection proves itself with a caller
 * token the gateway signed for itself (connectionParams.caller), and each subscription carries
 * its subscriber's signed token in `extensions.caller` (none: anonymous). The subgraph then
 * authorises and serves the subscription like any operation: the rules live with the field.
 *
 * A context is built for the subscription (its `subscribe` reads the caller from it) and then
 * again for each event it delivers, from the same verified caller: a context's loaders cache
 * what they read for one execution, so each delivery reads the data as it is at that event.
 */
export function serveSubscriptions<TContext extends object>(options: {
  httpServer: Server;
  path: string;
  /** This subgraph: tokens signed for another are refused. */
  subgraph: SubgraphName;
  schema: GraphQLSchema;
  /** The public keys caller tokens are verified with. */
  keys: CallerKeys;
  createContext: (origin: RequestOrigin) => TContext;
  log: Logger;
}): { close(): Promise<void> } {
  const wss = new WebSocketServer({ server: options.httpServer, path: options.path, maxPayload: SUBGRAPH_MESSAGE_MAX_BYTES });
  const verify = async (token: unknown): Promise<RequestOrigin> => {
    if (typeof token !== "string" || !token) throw new Error("unsigned");
    return verifyCallerToken(options.keys, token, options.subgraph);
  };
  // Each subscription's context, to the caller it was built for: its events get contexts of their own.
  const origins = new WeakMap<object, RequestOrigin>();
  const server = useServer(
    {
      schema: options.schema,
      subscribe: async (args) => {
        const origin = origins.get(args.contextValue as object);
        if (!origin) return { errors: [new GraphQLError("The subscription has no verified caller.")] };
        const stream = await createSourceEventStream(args);
        if (!(Symbol.asyncIterator in stream)) return stream; // refused: the result says why
        return mapEvents(stream, (event) => execute({ ...args, rootValue: event, contextValue: options.createContext(origin) }));
      },
      connectionInitWaitTimeout: 5_000,
      onConnect: async (ctx) => {
        const origin = await verify(ctx.connectionParams?.caller).catch(() => null);
        return origin?.signer === "gateway" && origin.caller?.userId === GATEWAY_SERVICE; // otherwise 4403
      },
      // The socket is shared by every subscriber behind a gateway: nothing about one
      // subscription may throw out of these hooks, or graphql-ws closes it for all (4500).
      // A subscriber who cannot be verified is refused on that subscription alone.
      onSubscribe: async (_ctx, _id, payload) => {
        // Queries and mutations come over HTTP; this socket is for subscriptions only.
        if (!/^\s*subscription\b/.test(payload.query)) return [new GraphQLError("Only subscriptions are served over this socket.")];
        let contextValue: TContext;
        try {
          const origin = await verify(payload.extensions?.caller);
          contextValue = options.createContext(origin);
          origins.set(contextValue, origin);
        } catch {
          return [apiError("UNAUTHENTICATED", "The subscriber's identity could not be verified.")];
        }
        let document;
        try {
          document = parse(payload.query, { maxTokens: SUBGRAPH_MAX_TOKENS });
        } catch (e) {
          return [e instanceof GraphQLError ? e : new GraphQLError("The operation could not be parsed.")];
        }
        const errors = validate(options.schema, document);
        if (errors.length > 0) return errors;
        return { schema: options.schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue };
      },
    },
    wss,
  );
  wss.on("error", (err) => options.log.warn({ err }, "subscription socket error"));
  return {
    async close() {
      closeForRestart(wss.clients);
      await server.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/**
 * Each event of `source` as `map` makes it, one at a time, as graphql-js's own `subscribe` maps
 * them. `return` reaches the source at once, even while a `next` waits on it (graphql-ws calls it
 * when the client completes): an async generator would hold it until the source's next event.
 */
function mapEvents(
  source: AsyncIterable<unknown>,
  map: (event: unknown) => Promise<ExecutionResult> | ExecutionResult,
): AsyncIterableIterator<ExecutionResult> {
  const events = source[Symbol.asyncIterator]();
  const close = async () => void (await events.return?.());
  const mapped = async (result: IteratorResult<unknown>): Promise<IteratorResult<ExecutionResult>> => {
    if (result.done) return { done: true, value: undefined };
    try {
      return { done: false, value: await map(result.value) };
    } catch (e) {
      await close().catch(() => {});
      throw e;
    }
  };
  return {
    next: async () => mapped(await events.next()),
    return: async () => (await close(), { done: true, value: undefined }),
    async throw(error?: unknown) {
      await close();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
