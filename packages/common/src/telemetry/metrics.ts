import { timingSafeEqual } from "node:crypto";
import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import type { FastifyInstance } from "fastify";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Sql } from "../database.ts";
import { errorBody } from "../errors.ts";

/**
 * Prometheus metrics (prom-client), one registry per process, served at `GET /metrics` by the
 * gateway and every subgraph. When several pieces share a process (`pnpm start`), each port
 * shows them all, told apart by the `service` label.
 */
export const metrics = new Registry();
collectDefaultMetrics({ register: metrics });

/** Seconds, from a fast in-memory answer to a subgraph timing out. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

const operationDuration = new Histogram({
  name: "localex_graphql_operation_duration_seconds",
  help: "GraphQL operations served, by service, operation name and type (its _count is the request rate)",
  labelNames: ["service", "operation", "type"] as const,
  buckets: LATENCY_BUCKETS,
  registers: [metrics],
});
const operationErrors = new Counter({
  name: "localex_graphql_operation_errors_total",
  help: "GraphQL operations answered with errors, by service, operation name, type and the first error's code",
  labelNames: ["service", "operation", "type", "code"] as const,
  registers: [metrics],
});
const sqlStatements = new Counter({
  name: "localex_sql_statements_total",
  help: "SQL statements sent, by connection pool (application_name)",
  labelNames: ["application"] as const,
  registers: [metrics],
});

/** Counts one SQL statement sent on `application`'s pool (database.ts). */
export const sqlStatementCounter = (application: string) => sqlStatements.labels(application);

const passwordHashes = new Counter({
  name: "localex_password_hashes_total",
  help: "argon2 computations on passwords, by operation: hash (a new password) or verify (a password checked against a stored hash)",
  labelNames: ["operation"] as const,
  registers: [metrics],
});

/** Counts one argon2 computation (identity's passwords.ts): what input refused before hashing must never add to. */
export const countPasswordHash = (operation: "hash" | "verify"): void => passwordHashes.inc({ operation });

/** Distinct operation names kept per service; past it, names count as "other". */
const MAX_OPERATION_NAMES = 200;
const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;
const ERROR_CODE = /^[A-Z][A-Z0-9_]{0,39}$/;
const namesSeen = new Map<string, Set<string>>();

/**
 * An operation name as a label. Clients choose names freely, so their number is bounded: the
 * first MAX_OPERATION_NAMES distinct names per service are kept, anything after (or not a
 * GraphQL name, or over 64 characters) is "other"; no name is "anonymous".
 */
export function operationLabel(service: string, name: string | null | undefined): string {
  if (!name) return "anonymous";
  if (!GRAPHQL_NAME.test(name)) return "other";
  let seen = namesSeen.get(service);
  if (!seen) namesSeen.set(service, (seen = new Set()));
  if (seen.has(name)) return name;
  if (seen.size >= MAX_OPERATION_NAMES) return "other";
  seen.add(name);
  return name;
}

/** An error's `extensions.code` as a label: ours are UPPER_SNAKE; anything else is "OTHER". */
export const errorCodeLabel = (code: unknown): string => (typeof code === "string" && ERROR_CODE.test(code) ? code : code == null ? "NONE" : "OTHER");

/** Apollo Server plugin: each operation's latency, and whether it answered errors, per operation name. */
export function operationMetrics<TContext extends BaseContext>(service: string): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ operation, operationName, response }) {
          // An operation that did not parse or validate has no trustworthy name: "invalid".
          const labels = operation
            ? { service, operation: operationLabel(service, operationName), type: operation.operation }
            : { service, operation: "invalid", type: "invalid" };
          operationDuration.observe(labels, (performance.now() - started) / 1000);
          const errors = response.body.kind === "single" ? response.body.singleResult.errors : undefined;
          if (errors?.length) operationErrors.inc({ ...labels, code: errorCodeLabel(errors[0]!.extensions?.code) });
        },
      };
    },
  };
}

/** Job-queue databases and the tasks this process's workers run on each (jobs.ts, subgraph.ts). */
const jobQueues = new Map<string, { sql?: Sql; tasks: Set<string> }>();
const queueOf = (databaseUrl: string) => {
  let queue = jobQueues.get(databaseUrl);
  if (!queue) jobQueues.set(databaseUrl, (queue = { tasks: new Set() }));
  return queue;
};
/** The connection pool to count `databaseUrl`'s jobs with (the first subgraph's on that database). */
export function countJobsWith(databaseUrl: string, sql: Sql): () => void {
  const queue = queueOf(databaseUrl);
  queue.sql ??= sql;
  return () => {
    if (queue.sql === sql) delete queue.sql;
  };
}
/** Tasks a worker in this process runs: their jobs are counted here. */
export function countJobsOf(databaseUrl: string, tasks: string[]): () => void {
  const queue = queueOf(databaseUrl);
  for (const task of tasks) queue.tasks.add(task);
  return () => tasks.forEach((task) => queue.tasks.delete(task));
}

const JOB_STATES = ["ready", "scheduled", "running", "dead"] as const;
new Gauge({
  name: "localex_jobs",
  help: "Jobs in the queue for this process's tasks: ready (due, waiting for a worker), scheduled (due later), running, dead (out of attempts, kept with their last error)",
  labelNames: ["task", "state"] as const,
  registers: [metrics],
  async collect() {
    this.reset();
    for (const { sql, tasks } of jobQueues.values()) {
      if (!sql || tasks.size === 0) continue;
      const counting = sql<{ task: string; ready: number; scheduled: number; running: number; dead: number }[]>`
        select task_identifier as task,
          count(*) filter (where locked_at is null and attempts < max_attempts and run_at <= now())::int as ready,
          count(*) filter (where locked_at is null and attempts < max_attempts and run_at > now())::int as scheduled,
          count(*) filter (where locked_at is not null and attempts < max_attempts)::int as running,
          count(*) filter (where attempts >= max_attempts)::int as dead
        from graphile_worker.jobs where task_identifier = any(${[...tasks]}) group by task_identifier`;
      // A database that does not answer costs this gauge, not the whole scrape.
      const rows = await Promise.race([counting, new Promise<null>((resolve) => setTimeout(() => resolve(null), 2_000).unref())]).catch(() => null);
      if (!rows) continue;
      for (const task of tasks) {
        const row = rows.find((r) => r.task === task);
        for (const state of JOB_STATES) this.set({ task, state }, row?.[state] ?? 0);
      }
    }
  },
});

/**
 * `GET /metrics` in Prometheus's text format. With `token`, only for `Authorization: Bearer
 * <token>` (401 otherwise); `open: false` without a token serves nothing (the gateway's public
 * port in production).
 */
export function serveMetrics(app: FastifyInstance, options: { token?: string; open: boolean }): void {
  if (!options.token && !options.open) return;
  const expected = options.token ? Buffer.from(`Bearer ${options.token}`) : null;
  app.get("/metrics", async (request, reply) => {
    if (expected) {
      const given = Buffer.from(request.headers.authorization ?? "");
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return reply.code(401).header("www-authenticate", "Bearer").send(errorBody("UNAUTHENTICATED", "Metrics need the metrics token."));
      }
    }
    return reply.header("content-type", metrics.contentType).send(await metrics.metrics());
  });
}
