import type { Server } from "node:http";
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
import { accessTokenExpiry, type EventBus, type Logger } from "@localex/common";
import { callerFromAuthorization, type GatewayContext } from "./caller.ts";
import { LiveConnections, MAX_SUBSCRIPTIONS_PER_CONNECTION } from "./connections.ts";
import { subscribeThroughSubgraph, type SubscriptionDeps } from "./subscriptions/executor.ts";

export interface WebSocketOptions {
  httpServer: Server;
  path: string;
  apollo: ApolloServer<GatewayContext>;
  apiSchema: () => GraphQLSchema;
  validationRules: ValidationRule[];
  maxTokens: number;
  jwtSecret: string;
  /** For session-ended events (connections close when their session does). */
  events: EventBus;
  subscriptions: SubscriptionDeps;
  log: Logger;
}

type ConnectionExtra = {
  caller?: GatewayContext["caller"];
  /** Set by graphql-ws's ws adapter. */
  socket: WebSocket;
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
    return response.body.singleResult as ExecutionResult;
  };

  const live = new LiveConnections(options.events, options.log);
  const wss = new WebSocketServer({ server: options.httpServer, path: options.path, maxPayload: 1024 * 1024 });
  const server = useServer<Record<string, unknown>, ConnectionExtra>(
    {
      connectionInitWaitTimeout: 10_000,
      onConnect: async (ctx) => {
        const extra = ctx.extra as ConnectionExtra;
        const authorization = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        try {
          extra.caller = await callerFromAuthorization(options.jwtSecret, authorization);
        } catch {
          return false; // graphql-ws closes with 4403 Forbidden
        }
        if (!extra.caller || typeof authorization !== "string") return true;
        return live.admit(extra.socket, extra.caller, accessTokenExpiry(authorization.trim().slice("Bearer ".length)));
      },
      onClose: (ctx) => live.release((ctx.extra as ConnectionExtra).socket),
      onSubscribe: (ctx, _id, payload) => {
        // graphql-ws has already reserved this one's place in ctx.subscriptions.
        if (Object.keys(ctx.subscriptions).length > MAX_SUBSCRIPTIONS_PER_CONNECTION) {
          return [
            new GraphQLError(`At most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions may be open on one connection; complete one first.`, {
              extensions: { code: "TOO_MANY_SUBSCRIPTIONS" },
            }),
          ];
        }
        const schema = options.apiSchema();
        let document;
        try {
          document = parse(payload.query, { maxTokens: options.maxTokens });
        } catch (e) {
          return [e instanceof GraphQLError ? e : new GraphQLError("The operation could not be parsed.")];
        }
        const errors = validate(schema, document, [...specifiedRules, ...options.validationRules]);
        if (errors.length > 0) return errors;
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return [new GraphQLError("Name the operation to run: the document holds several.")];
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: { caller: (ctx.extra as ConnectionExtra).caller ?? null } satisfies GatewayContext,
        };
      },
      execute: (args) =>
        runThroughGateway(args.document, args.variableValues ?? {}, args.contextValue as GatewayContext, args.operationName),
      subscribe: (args) => subscribeThroughSubgraph(args, options.subscriptions),
    },
    wss,
  );
  return {
    async close() {
      await server.dispose();
      await live.close();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
