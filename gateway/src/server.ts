import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { ApolloServerPluginLandingPageLocalDefault } from "@apollo/server/plugin/landingPage/default";
import { expressMiddleware } from "@as-integrations/express5";
import express from "express";
import type { GraphQLSchema } from "graphql";
import { formatError, type Config, type EventBus, type Logger, type SubgraphName } from "@localex/common";
import { callerFromAuthorization, type GatewayContext } from "./caller.ts";
import { CallerDataSource } from "./datasource.ts";
import { MAX_TOKENS, protection } from "./protection.ts";
import { serveWebSocket } from "./websocket.ts";

export interface GatewayOptions {
  config: Config;
  log: Logger;
  supergraphSdl: string;
  /** Where each subgraph actually listens; overrides the routing URLs in the supergraph. */
  subgraphUrls: Partial<Record<SubgraphName, string>>;
  port: number;
  /** Domain events behind subscriptions (Redis when subgraphs run in other processes). */
  events: EventBus;
}

export interface RunningGateway {
  url: string;
  wsUrl: string;
  stop(): Promise<void>;
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { config } = options;
  const log = options.log.child({ component: "gateway" });
  const production = config.NODE_ENV === "production";

  let apiSchema: GraphQLSchema | undefined;
  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    logger: log,
    buildService: ({ name, url }) =>
      new CallerDataSource(options.subgraphUrls[name as SubgraphName] ?? url ?? "", config.GATEWAY_SECRET),
  });
  gateway.onSchemaLoadOrUpdate(({ apiSchema: schema }) => {
    apiSchema = schema;
  });

  const app = express();
  app.disable("x-powered-by");
  const httpServer = createServer(app);
  const armor = protection(production);
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: !production,
    includeStacktraceInErrorResponses: false,
    formatError: formatError(log),
    validationRules: armor.validationRules,
    parseOptions: { maxTokens: MAX_TOKENS },
    plugins: [
      // graphql-armor is typed against @apollo/server's CommonJS declarations; the runtime objects are the same.
      ...(armor.plugins as unknown as ApolloServerPlugin<GatewayContext>[]),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      production ? ApolloServerPluginLandingPageDisabled() : ApolloServerPluginLandingPageLocalDefault({ embed: true }),
    ],
  });
  await apollo.start();

  app.get("/health", (_req, res) => {
    res.json({ status: "ok" });
  });
  const graphql = expressMiddleware(apollo, {
    context: async ({ req }) => ({
      caller: await callerFromAuthorization(config.JWT_SECRET, req.headers.authorization),
    }),
  });
  app.use(["/graphql", "/"], express.json({ limit: "1mb" }), graphql);

  const ws = serveWebSocket({
    httpServer,
    path: "/graphql",
    apollo,
    apiSchema: () => {
      if (!apiSchema) throw new Error("The gateway has not loaded its schema yet.");
      return apiSchema;
    },
    validationRules: armor.validationRules ?? [],
    maxTokens: MAX_TOKENS,
    jwtSecret: config.JWT_SECRET,
    events: options.events,
    log,
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(options.port, config.HOST, () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  const url = `http://${config.HOST}:${port}/graphql`;
  log.info({ url }, "gateway listening");
  return {
    url,
    wsUrl: url.replace(/^http/, "ws"),
    async stop() {
      await ws.close();
      await apollo.stop();
    },
  };
}
