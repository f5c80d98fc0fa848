import type { IncomingMessage, Server } from "node:http";
import type { ApolloServer } from "@apollo/server";
import {
  GraphQLError,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
  type ValidationRule,
} from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer, type WebSocket } from "ws";
import { randomUUID } from "node:crypto";
import { apiError, accessTokenExpiry, addressKey, clientKey, closeForRestart, requestScope, type Logger, type RateLimiter } from "@localex/common";

/** The largest message a client may send over the gateway's WebSocket (a larger one closes it with 1009). */
export const CLIENT_MESSAGE_MAX_BYTES = 64 * 1024;
import { callerFromAuthorization, type GatewayContext } from "./caller.ts";
import { AnonymousConnections, LiveConnections, MAX_SUBSCRIPTIONS_PER_CONNECTION } from "./connections.ts";
import { subscribeThroughSubgraph, type SubscriptionDeps } from "./subscriptions/executor.ts";
import { countSockets } from "./metrics.ts";
import type { PersistedOperations } from "./persisted-operations.ts";
import type { EndedSessions } from "./ended-sessions.ts";

export interface WebSocketOptions {
  httpServer: Server;
  path: string;
  apollo: ApolloServer<GatewayContext>;
  apiSchema: () => GraphQLSchema;
  validationRules: ValidationRule[];
  /** The cost check HTTP applies, with the subscription's variables; null when within the limit. */
  costCheck: (
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Record<string, unknown> | undefined,
    operationName?: string | null,
  ) => GraphQLError | null;
  /** Hide "Did you mean …?" suggestions, as HTTP does in production. */
  production: boolean;
  maxTokens: number;
  jwtSecret: string;
  /** The safelist (PERSISTED_OPERATIONS=safelist) and operations sent by hash. */
  persisted: Pick<PersistedOperations, "resolveSocketOperation" | "checkedSocketOperation">;
  /** Sessions identity ended: their access tokens are refused at connect, their sockets closed. */
  endedSessions: Pick<EndedSessions, "check" | "onEnded">;
  clientAddressOf: (request: IncomingMessage) => string;
  /** WS_CONNECT_PER_ADDRESS (refused at the upgrade, 429) and SUBSCRIBE_PER_CLIENT. */
  limits: RateLimiter;
  /** Anonymous connections one address may hold open here (WS_ANONYMOUS_CONNECTIONS_PER_ADDRESS). */
  anonymousPerAddress: number;
  subscriptions: SubscriptionDeps;
  log: Logger;
}

type ConnectionExtra = {
  caller?: GatewayContext["caller"];
  clientAddress?: string;
  /** Set by graphql-ws's ws adapter. */
  socket: WebSocket;
  request: IncomingMessage;
};

/**
 * graphql-ws on the gateway. The client authenticates once in `connection_init`
 * (`{ authorization: "Bearer …" }`); every operation is validated against the public API
 * schema with the same protection rules as HTTP, then queries and mutations run through
 * the gateway's query planner like any HTTP request. A signed-in connection closes when its
 * access token expires or its session ends (LiveConnections), and holds at most
 * MAX_SUBSCRIPTIONS_PER_CONNECTION subscriptions.
 */
export function serveWebSocket(options: WebSocketOptions): { close(): Promise<void> } {
  /** Runs a query or mutation through the gateway's query planner, as an HTTP request would. */
  const runThroughGateway = async (
    document: DocumentNode,
    variables: Record<string, unknown>,
    context: GatewayContext,
    operationName?: string | null,
  ): Promise<ExecutionResult> => {
    const response = await options.apollo.executeOperation(
      { query: document, variables, operationName: operationName ?? undefined },
      { contextValue: context },
    );
    if (response.body.kind !== "single") {
      return { errors: [new GraphQLError("Incremental delivery is not supported over WebSocket.")] };
    }
    // Apollo answers formatted errors (plain objects); graphql-ws serialises GraphQLErrors.
    const { errors, ...rest } = response.body.singleResult;
    return {
      ...(rest as ExecutionResult),
      ...(errors ? { errors: errors.map((e) => new GraphQLError(e.message, { path: e.path, extensions: e.extensions })) } : {}),
    };
  };

  const live = new LiveConnections(options.endedSessions);
  const anonymous = new AnonymousConnections(options.anonymousPerAddress);
  const wss = new WebSocketServer({
    server: options.httpServer,
    path: options.path,
    // Far below what a subgraph accepts from the gateway (SUBGRAPH_MESSAGE_MAX_BYTES), so a
    // client's message, with the id and signed caller the gateway adds, always fits upstream.
    maxPayload: CLIENT_MESSAGE_MAX_BYTES,
    // New connections per address are limited before the upgrade: a refused one gets HTTP 429.
    verifyClient: (info, accept) => {
      options.limits.consume("WS_CONNECT_PER_ADDRESS", addressKey(options.clientAddressOf(info.req))).then(
        () => accept(true),
        (e: { extensions?: { retryAfterSeconds?: number } }) => {
          const seconds = e.extensions?.retryAfterSeconds ?? 1;
          accept(false, 429, `Too many new connections; retry in ${seconds} s.`, { "Retry-After": String(seconds) });
        },
      );
    },
  });
  // For metrics: every connection from its connection_init to its close.
  const open = new Set<{ acknowledged: boolean; subscriptions: Record<string, unknown> }>();
  const stopCounting = countSockets(() => {
    let connections = 0;
    let subscriptions = 0;
    for (const ctx of open) {
      if (ctx.acknowledged) connections++;
      // graphql-ws holds a running subscription's iterator here (a query or one being set up: null).
      for (const running of Object.values(ctx.subscriptions)) if (running) subscriptions++;
    }
    return { connections, subscriptions };
  });
  const server = useServer<Record<string, unknown>, ConnectionExtra>(
    {
      connectionInitWaitTimeout: 10_000,
      onConnect: async (ctx) => {
        open.add(ctx);
        const extra = ctx.extra as ConnectionExtra;
        const clientAddress = options.clientAddressOf(extra.request);
        extra.clientAddress = clientAddress;
        const authorization = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        try {
          extra.caller = await callerFromAuthorization(options.jwtSecret, authorization, options.endedSessions);
        } catch {
          return false; // graphql-ws closes with 4403 Forbidden
        }
        // Whether a connection is anonymous is known only here (the token comes in connection_init,
        // after the upgrade), so an anonymous one over its address's cap is closed here, with 4429.
        if (!extra.caller || typeof authorization !== "string") return anonymous.admit(extra.socket, addressKey(clientAddress));
        return live.admit(extra.socket, extra.caller, accessTokenExpiry(authorization.trim().slice("Bearer ".length)));
      },
      onClose: (ctx) => {
        open.delete(ctx);
        live.release((ctx.extra as ConnectionExtra).socket);
        anonymous.release((ctx.extra as ConnectionExtra).socket);
      },
      onSubscribe: async (ctx, _id, payload) => {
        const extra = ctx.extra as ConnectionExtra;
        // graphql-ws has already reserved this one's place in ctx.subscriptions. Checked before
        // anything is awaited, so of concurrent starts exactly the first ones fit.
        if (Object.keys(ctx.subscriptions).length > MAX_SUBSCRIPTIONS_PER_CONNECTION) {
          return [
            apiError("TOO_MANY_SUBSCRIPTIONS", `At most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions may be open on one connection; complete one first.`),
          ];
        }
        const query = options.persisted.resolveSocketOperation(payload);
        if (query instanceof GraphQLError) return [query];
        let document;
        try {
          document = parse(query, { maxTokens: options.maxTokens });
        } catch (e) {
          return [e instanceof GraphQLError ? e : new GraphQLError("The operation could not be parsed.")];
        }
        const operation = getOperationAST(document, payload.operationName);
        if (operation?.operation === "subscription") {
          // Every start counts, refused ones too (a limit counts attempts).
          const client = clientKey(extra.caller ?? null, extra.clientAddress);
          const limited = await options.limits.consume("SUBSCRIBE_PER_CLIENT", client).then(
            () => null,
            (e: GraphQLError) => e,
          );
          if (limited) return [limited];
        }
        const schema = options.apiSchema();
        const errors = validate(schema, document, [...specifiedRules, ...options.validationRules]);
        if (errors.length > 0) return options.production ? errors.map(withoutSuggestions) : errors;
        if (!operation) return [new GraphQLError("Name the operation to run: the document holds several.")];
        const tooCostly = options.costCheck(schema, document, payload.variables ?? undefined, payload.operationName);
        if (tooCostly) return [tooCostly];

        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: options.persisted.checkedSocketOperation({
            caller: extra.caller ?? null,
            clientAddress: extra.clientAddress ?? null,
          } satisfies GatewayContext),
        };
      },
      // Each operation over the socket is a request of its own, with its own id in the logs.
      execute: (args) =>
        requestScope.run({ requestId: randomUUID() }, () =>
          runThroughGateway(args.document, args.variableValues ?? {}, args.contextValue as GatewayContext, args.operationName),
        ),
      subscribe: (args) => subscribeThroughSubgraph(args, options.subscriptions),
    },
    wss,
  );
  return {
    async close() {
      // 1012 Service Restart: clients reconnect (to another gateway, or this one restarted).
      closeForRestart(wss.clients);
      stopCounting();
      await server.dispose();
      live.close();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** A validation error without its "Did you mean …?" (it maps the schema for whoever probes it). */
function withoutSuggestions(error: GraphQLError): GraphQLError {
  const message = error.message.replace(/\s*Did you mean .+\?$/, "");
  return message === error.message ? error : new GraphQLError(message, { nodes: error.nodes, extensions: error.extensions });
}
