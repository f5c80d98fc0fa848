import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import fastifyApollo, { fastifyApolloDrainPlugin } from "@as-integrations/fastify";
import type { GraphQLSchema } from "graphql";
import { CALLER_HEADER, verifyCallerToken, type Caller, type RequestOrigin } from "./auth.ts";
import { callerKeysFor, type CallerKeys } from "./caller-keys.ts";
import type { SubgraphConfig, SubgraphName } from "./config.ts";
import { connect, migrateSubgraph, type Sql } from "./database.ts";
import { errorBody, formatError } from "./errors.ts";
import type { Logger } from "./logger.ts";
import type { EventBus } from "./events.ts";
import { InternalClient, SubgraphDirectory } from "./internal.ts";
import { jobStopGraceMs, prepareJobQueue } from "./jobs.ts";
import { createHttpServer, listen } from "./http.ts";
import type { FastifyInstance } from "fastify";
import { acceptGraphQLUploads, type UploadLimits } from "./uploads.ts";
import { serveSubscriptions, SUBGRAPH_MAX_TOKENS } from "./subscription-server.ts";
import { RateLimiter } from "./rate-limit.ts";
import { serveHealth } from "./health.ts";
import { countJobsWith, operationMetrics, serveMetrics } from "./telemetry/metrics.ts";

/** What a subgraph's services are built from. */
export interface SubgraphRuntime<TConfig extends SubgraphConfig = SubgraphConfig> {
  /** The sections its piece reads (config.ts). */
  config: TConfig;
  databaseUrl: string;
  sql: Sql;
  log: Logger;
  events: EventBus;
  /** Calls other subgraphs' internal fields as this subgraph. */
  internal: InternalClient;
  /** Rate limits (rate-limit-rules.ts), shared with every replica through Redis when configured. */
  limits: RateLimiter;
  /** `http://host:port` this subgraph listens on, once it does (for URLs it hands out). */
  listeningUrl(): string | undefined;
}

/** Where a subgraph's job workers take their jobs, and how they stop (startJobWorker's options). */
export const jobQueueOf = (runtime: Pick<SubgraphRuntime, "databaseUrl" | "log" | "config">) => ({
  url: runtime.databaseUrl,
  log: runtime.log,
  stopGraceMs: jobStopGraceMs(runtime.config.app.shutdownTimeoutSeconds),
});

/** What the process that starts a subgraph provides. */
export interface SubgraphEnvironment<TConfig extends SubgraphConfig = SubgraphConfig> {
  config: TConfig;
  databaseUrl: string;
  log: Logger;
  events: EventBus;
  directory: SubgraphDirectory;
  /**
   * Caller-token keys: this subgraph's own private key and the signers' public keys. Unset: from
   * the settings, for this subgraph alone (`pnpm serve <name>`, callerKeysFor).
   */
  keys?: CallerKeys;
}

/** What every subgraph exports: its name, its schema and how to wire its services and per-request context. */
export interface SubgraphModule<TServices, TContext extends object, TConfig extends SubgraphConfig = SubgraphConfig> {
  name: SubgraphName;
  buildSchema(): Promise<GraphQLSchema>;
  createServices(runtime: SubgraphRuntime<TConfig>): TServices;
  /** Called once per request; per-request DataLoaders live here. `origin` says who signed it and the client's address. */
  createContext(services: TServices, caller: Caller | null, origin: RequestOrigin): TContext;
  /** Releases what createServices opened (connections other than `sql`). */
  disposeServices?(services: TServices): Promise<void>;
  /** File uploads (GraphQL multipart requests) this subgraph accepts, and their limits. */
  uploadLimits?(config: TConfig): UploadLimits;
  /** HTTP routes of its own beside /graphql, registered before the server listens. */
  registerRoutes?(app: FastifyInstance, services: TServices): Promise<void>;
  /** Background work (job workers, schedulers) started after the server listens. */
  startBackground?(services: TServices, runtime: SubgraphRuntime<TConfig>): Promise<() => Promise<void>>;
}

export interface RunningSubgraph {
  name: SubgraphName;
  url: string;
  stop(): Promise<void>;
}

/** Migrates the subgraph's schema, then serves it over HTTP on `port` (0 picks a free one). */
export async function startSubgraph<TServices, TContext extends object, TConfig extends SubgraphConfig>(
  module: SubgraphModule<TServices, TContext, TConfig>,
  env: SubgraphEnvironment<TConfig>,
  port: number,
): Promise<RunningSubgraph> {
  const log = env.log.child({ subgraph: module.name });
  await migrateSubgraph(env.databaseUrl, module.name);
  await prepareJobQueue(env.databaseUrl);
  // The admin audit log is written by every subgraph's admin acts: whichever starts first installs it.
  await migrateSubgraph(env.databaseUrl, "audit");
  const applicationName = `localex-${module.name}`;
  const sql = connect(env.databaseUrl, { applicationName, max: env.config.database.poolSize });
  let listeningUrl: string | undefined;
  const keys = env.keys ?? callerKeysFor(env.config.callers, module.name);
  const full: SubgraphRuntime<TConfig> = {
    config: env.config,
    databaseUrl: env.databaseUrl,
    events: env.events,
    sql,
    log,
    internal: new InternalClient(module.name, keys, env.directory),
    limits: RateLimiter.create(env.config, log),
    listeningUrl: () => listeningUrl,
  };
  const services = module.createServices(full);
  const schema = await module.buildSchema();

  const app = createHttpServer(log);
  const apollo = new ApolloServer<TContext>({
    schema,
    // The gateway composes from the supergraph file, never by introspection; developers may look.
    introspection: env.config.app.env !== "production",
    includeStacktraceInErrorResponses: false,
    parseOptions: { maxTokens: SUBGRAPH_MAX_TOKENS },
    // Our process handles SIGINT/SIGTERM (stopOnExitSignals): Apollo's own handler would stop
    // this server on its own and re-raise the signal in the middle of our orderly stop.
    stopOnTerminationSignals: false,
    formatError: formatError(log),
    // No Apollo Studio traces and no HTTP caching of operations: each would wrap every request
    // or every field resolver for nothing.
    plugins: [
      // Stopping waits for requests in flight (up to 10 s), then closes what is left.
      fastifyApolloDrainPlugin(app),
      operationMetrics(module.name),
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginCacheControlDisabled(),
    ],
  });
  await apollo.start();

  serveHealth(app, module.name, {
    database: async () => (await sql`select 1`, true),
    events: async () => env.events.connected() || `${env.events.carrier} is not connected`,
  });
  // Subgraphs listen on the private SUBGRAPH_HOST: metrics are open unless METRICS_TOKEN is set.
  serveMetrics(app, { token: env.config.app.metricsToken, open: true });
  const stopCountingJobs = countJobsWith(env.databaseUrl, sql);
  const uploadLimits = module.uploadLimits?.(env.config);
  if (uploadLimits) acceptGraphQLUploads(app, "/graphql", uploadLimits);
  await module.registerRoutes?.(app, services);
  // Every operation must be signed for this subgraph, by the gateway or a named service,
  // anonymous clients included; the check runs before the body (or an upload) is read.
  const origins = new WeakMap<object, RequestOrigin>();
  app.addHook("onRequest", async (request, reply) => {
    if (request.routeOptions.url !== "/graphql") return;
    const header = request.headers[CALLER_HEADER];
    try {
      if (typeof header !== "string" || !header) throw new Error(`The ${module.name} service answers the gateway only.`);
      origins.set(request, await verifyCallerToken(keys, header, module.name));
    } catch (e) {
      return reply.code(401).send(errorBody("UNAUTHENTICATED", e instanceof Error ? e.message : String(e)));
    }
  });
  await app.register(fastifyApollo(apollo), {
    path: "/graphql",
    context: async (request) => {
      const origin = origins.get(request);
      if (!origin) throw new Error("An unsigned request reached the GraphQL handler.");
      return module.createContext(services, origin.caller, origin);
    },
  });

  // Subscriptions the subgraph owns, over graphql-ws, for the gateway (subscription-server.ts).
  const subscriptions = schema.getSubscriptionType()
    ? serveSubscriptions({
        httpServer: app.server,
        path: "/graphql",
        subgraph: module.name,
        schema,
        keys,
        createContext: (origin) => module.createContext(services, origin.caller, origin),
        log,
      })
    : null;
  listeningUrl = await listen(app, env.config.subgraphs.host, port);
  const url = `${listeningUrl}/graphql`;
  env.directory.set(module.name, url);
  const stopBackground = (await module.startBackground?.(services, full)) ?? (async () => {});
  log.info({ url }, "subgraph listening");
  return {
    name: module.name,
    url,
    async stop() {
      // Sockets close first (1012: reconnect elsewhere); then, at once, the server stops taking
      // connections and lets requests in flight finish, and running jobs finish or go back to the queue.
      await subscriptions?.close();
      await Promise.all([apollo.stop(), stopBackground()]);
      stopCountingJobs();
      await module.disposeServices?.(services);
      await full.internal.close();
      full.limits.close();
      // Statements still running (a job handed back may leave one waiting on a lock) get 5 s, or a
      // fifth of the stop's whole time when that is shorter, then their connections are closed.
      await sql.end({ timeout: Math.min(5, full.config.app.shutdownTimeoutSeconds / 5) });
    },
  };
}
