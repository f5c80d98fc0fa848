import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { ApolloServerPluginLandingPageLocalDefault } from "@apollo/server/plugin/landingPage/default";
import fastifyApollo, { fastifyApolloDrainPlugin } from "@as-integrations/fastify";
import type { GraphQLSchema } from "graphql";
import {
  acceptGraphQLUploads,
  bearerIs,
  callerKeysFor,
  ConcurrencyLimiter,
  createHttpServer,
  formatError,
  listen,
  operationMetrics,
  RateLimiter,
  serveHealth,
  serveMetrics,
  uploadLimits,
  uploadPace,
  type CallerKeys,
  type PieceConfig,
  type EventBus,
  type Logger,
  type SubgraphName,
} from "@localex/common";
import { callerFromAuthorization, type GatewayContext } from "./caller.ts";
import { EndedSessions } from "./ended-sessions.ts";
import { PersistedOperations } from "./persisted-operations.ts";
import { clientAddressResolver, trustProxySetting } from "./client-address.ts";
import { ANSWER_TIMEOUT_MS, CallerDataSource } from "./datasource.ts";
import { InFlightFetches } from "./deduplication.ts";
import { costGuard, MAX_TOKENS, protection, rateLimitedAsHttp429 } from "./protection.ts";
import { listSizesOf } from "./cost.ts";
import { uploadAdmission } from "./uploads/admission.ts";
import { routingUrl, serveDevelopmentInbox } from "./dev-inbox.ts";
import { serveWebSocket } from "./websocket.ts";
import { measuredFetches } from "./metrics.ts";
import { SubscriptionPlanner } from "./subscriptions/planner.ts";
import { SubgraphSockets } from "./subscriptions/upstream.ts";

/** Where operations are served: `/graphql`, and `/` so the bare address works in a browser (Sandbox). */
const GRAPHQL_PATHS = ["/graphql", "/"] as const;

export interface GatewayOptions {
  /** The gateway piece's sections (the whole graph's configuration has them too). */
  config: PieceConfig<"gateway">;
  log: Logger;
  supergraphSdl: string;
  /** Where each subgraph actually listens; overrides the routing URLs in the supergraph. */
  subgraphUrls: Partial<Record<SubgraphName, string>>;
  port: number;
  /** Domain events behind subscriptions (Redis when subgraphs run in other processes). */
  events: EventBus;
  /** Caller-token keys holding the gateway's private key; unset: from the settings (callerKeysFor). */
  keys?: CallerKeys;
}

export interface RunningGateway {
  url: string;
  wsUrl: string;
  stop(): Promise<void>;
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { config } = options;
  const log = options.log.child({ component: "gateway" });
  const production = config.app.env === "production";
  const keys = options.keys ?? callerKeysFor(config.callers, "gateway");

  // Access tokens of sessions identity ended are refused from the event on, not at their expiry.
  const endedSessions = new EndedSessions(options.events, config.sessions.accessTokenTtlSeconds, log);
  await endedSessions.ready;
  let apiSchema: GraphQLSchema | undefined;
  const multipartLimits = uploadLimits(config);
  const dataSources = new Map<string, { url: string; source: CallerDataSource }>();
  // Unless this is set (its only switch), @apollo/gateway asks the cloud metadata endpoints what
  // host it runs on (AWS, Azure, GCP) as it is made, and sends the host's metrics to Apollo: nothing
  // leaves a deployment unless its operator says so (APOLLO_TELEMETRY_DISABLED=false).
  process.env.APOLLO_TELEMETRY_DISABLED ??= "true";
  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    logger: log,
    buildService: ({ name, url }) => {
      const address = options.subgraphUrls[name as SubgraphName] ?? url ?? "";
      const source = new CallerDataSource(name as SubgraphName, address, keys, {
        maxFileBytes: multipartLimits.maxFileSize,
        timeoutMs: config.server.subgraphTimeoutSeconds * 1000,
        connections: config.server.subgraphConnections,
        uploadConnections: config.server.uploadConnections,
        inFlight: config.server.deduplicateFetches
          ? new InFlightFetches(() => log.debug({ subgraph: name }, "joined an identical subgraph fetch in flight"))
          : undefined,
        mergeEntityFetches: config.server.mergeEntityFetches,
      });
      dataSources.set(name, { url: address, source });
      return measuredFetches(name, source);
    },
  });
  const planner = new SubscriptionPlanner(options.supergraphSdl);
  const sockets = new SubgraphSockets((name) => dataSources.get(name)?.url, keys, log);
  gateway.onSchemaLoadOrUpdate(({ apiSchema: schema }) => {
    apiSchema = schema;
  });

  const app = createHttpServer(log);
  const clientAddressOf = clientAddressResolver(trustProxySetting(config.server.trustProxy));
  const armor = protection(production);
  const limits = RateLimiter.create(config, log);
  const cost = costGuard(config.server.maxOperationCost, listSizesOf(options.supergraphSdl));
  const persisted = await PersistedOperations.load(config.server.persistedOperations, config.server.persistedOperationsManifest);
  log.info({ mode: persisted.mode, manifestOperations: persisted.size }, "persisted operations");
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: !production,
    includeStacktraceInErrorResponses: false,
    // Our process handles SIGINT/SIGTERM (stopOnExitSignals): Apollo's own handler would stop
    // this server on its own and re-raise the signal in the middle of our orderly stop.
    stopOnTerminationSignals: false,
    formatError: formatError(log),
    validationRules: armor.validationRules,
    parseOptions: { maxTokens: MAX_TOKENS },
    persistedQueries: { cache: persisted.cache() },
    plugins: [
      persisted.plugin<GatewayContext>(),
      // graphql-armor is typed against @apollo/server's CommonJS declarations; the runtime objects are the same.
      ...(armor.plugins as unknown as ApolloServerPlugin<GatewayContext>[]),
      cost.plugin as ApolloServerPlugin<GatewayContext>,
      rateLimitedAsHttp429 as ApolloServerPlugin<GatewayContext>,
      // Stopping waits for requests in flight (up to 10 s), then closes what is left.
      fastifyApolloDrainPlugin(app),
      operationMetrics<GatewayContext>("gateway"),
      // Operations are never cached over HTTP; computing a policy per request is wasted work.
      ApolloServerPluginCacheControlDisabled(),
      production ? ApolloServerPluginLandingPageDisabled() : ApolloServerPluginLandingPageLocalDefault({ embed: true }),
    ],
  });
  await apollo.start();

  // Ready when Redis (session-ended events, rate limits) and every subgraph answer. The port is
  // public: in production, which piece is down is told only with the metrics token.
  const readinessDetail = production ? bearerIs(config.app.metricsToken) : () => true;
  serveHealth(
    app,
    "gateway",
    {
      events: async () => options.events.connected() || `${options.events.carrier} is not connected`,
      ...Object.fromEntries(
        [...dataSources].map(([name, { url }]) => [
          name,
          async () => {
            const response = await fetch(new URL("/healthz", url), { signal: AbortSignal.timeout(1_500) });
            return response.ok || `answered ${response.status}`;
          },
        ]),
      ),
    },
    readinessDetail,
  );
  // The public port: metrics only with METRICS_TOKEN, or outside production (docs/operability.md).
  serveMetrics(app, { token: config.app.metricsToken, open: !production });
  if (!production) serveDevelopmentInbox(app, options.subgraphUrls.identity ?? routingUrl(options.supergraphSdl, "identity"));
  // File uploads (GraphQL multipart requests); JSON requests keep fastify's 1 MiB body limit.
  // The client's bytes arrive here: here they are paced, and each member's uploads counted (a
  // slot lapses, should this process die holding it, after the longest an upload can last).
  const uploadSlots = ConcurrencyLimiter.create(config.redis, config.uploads.pace.maxSeconds * 1000 + ANSWER_TIMEOUT_MS, log);
  acceptGraphQLUploads(app, GRAPHQL_PATHS, multipartLimits, { pace: uploadPace(config), admit: uploadAdmission(config, uploadSlots, endedSessions) });
  for (const path of GRAPHQL_PATHS) {
    await app.register(fastifyApollo(apollo), {
      path,
      context: async (request): Promise<GatewayContext> => ({
        caller: await callerFromAuthorization(config.auth.jwtSecret, request.headers.authorization, endedSessions),
        clientAddress: clientAddressOf(request.raw),
      }),
    });
  }

  const ws = serveWebSocket({
    persisted,
    endedSessions,
    httpServer: app.server,
    path: "/graphql",
    apollo,
    apiSchema: () => {
      if (!apiSchema) throw new Error("The gateway has not loaded its schema yet.");
      return apiSchema;
    },
    validationRules: armor.validationRules ?? [],
    costCheck: cost.check,
    production,
    maxTokens: MAX_TOKENS,
    jwtSecret: config.auth.jwtSecret,
    clientAddressOf,
    limits,
    anonymousPerAddress: config.server.anonymousSocketsPerAddress,
    subscriptions: {
      planner: () => planner,
      sockets,
      dataSources: () => Object.fromEntries([...dataSources].map(([name, { source }]) => [name, source])),
      log,
    },
    log,
  });

  const url = `${await listen(app, config.server.host, options.port)}/graphql`;
  log.info({ url }, "gateway listening");
  return {
    url,
    wsUrl: url.replace(/^http/, "ws"),
    async stop() {
      await ws.close();
      await endedSessions.close();
      limits.close();
      uploadSlots.close();
      await apollo.stop();
      await sockets.close();
      await Promise.all([...dataSources.values()].map(({ source }) => source.close()));
    },
  };
}
