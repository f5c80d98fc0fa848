import type { Server } from "node:http";
import { GraphQLError, type GraphQLSchema } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import { verifyCallerToken, type RequestOrigin } from "./auth.ts";
import type { SubgraphName } from "./config.ts";
import type { Logger } from "./logger.ts";
import { closeForRestart } from "./shutdown.ts";

/** The caller the gateway signs its own subgraph connections with. */
export const GATEWAY_SERVICE = "service:gateway";

/**
 * graphql-ws on a subgraph, for the gateway only: the connection proves itself with a caller
 * token the gateway signed for itself (connectionParams.caller), and each subscription carries
 * its subscriber's signed token in `extensions.caller` (none: anonymous). The subgraph then
 * authorises and serves the subscription like any operation: the rules live with the field.
 */
export function serveSubscriptions<TContext extends object>(options: {
  httpServer: Server;
  path: string;
  /** This subgraph: tokens signed for another are refused. */
  subgraph: SubgraphName;
  schema: GraphQLSchema;
  secret: string;
  createContext: (origin: RequestOrigin) => TContext;
  log: Logger;
}): { close(): Promise<void> } {
  const wss = new WebSocketServer({ server: options.httpServer, path: options.path, maxPayload: 1024 * 1024 });
  const verify = async (token: unknown): Promise<RequestOrigin> => {
    if (typeof token !== "string" || !token) throw new Error("unsigned");
    return verifyCallerToken(options.secret, token, options.subgraph);
  };
  const server = useServer(
    {
      schema: options.schema,
      connectionInitWaitTimeout: 5_000,
      onConnect: async (ctx) => {
        const origin = await verify(ctx.connectionParams?.caller).catch(() => null);
        return origin?.signer === "gateway" && origin.caller?.userId === GATEWAY_SERVICE; // otherwise 4403
      },
      onSubscribe: (_ctx, _id, payload) => {
        // Queries and mutations come over HTTP; this socket is for subscriptions only.
        if (!/^\s*subscription\b/.test(payload.query)) return [new GraphQLError("Only subscriptions are served over this socket.")];
        return undefined;
      },
      context: async (_ctx, _id, payload) => {
        try {
          return options.createContext(await verify(payload.extensions?.caller));
        } catch {
          throw new GraphQLError("The subscriber's identity could not be verified.", { extensions: { code: "UNAUTHENTICATED" } });
        }
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
