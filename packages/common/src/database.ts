import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { sql as query, type AnyColumn, type SQL } from "drizzle-orm";
import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import type { SubgraphName } from "./config.ts";
import { isUuid } from "./loaders.ts";
import { sqlStatementCounter } from "./telemetry/metrics.ts";
import { traceQueries } from "./telemetry/postgres.ts";
import { isTracing } from "./telemetry/spans.ts";

export type Sql = postgres.Sql;
export type Database<TSchema extends Record<string, unknown> = Record<string, never>> = PostgresJsDatabase<TSchema>;

/**
 * A connection pool. Statements sent are counted per application name
 * (`localex_sql_statements_total` on `GET /metrics`: round trips per request, for benchmarks),
 * and, while tracing is on, each gets a span under the request or job that runs it.
 */
export function connect(url: string, options: { max?: number; applicationName?: string } = {}): Sql {
  const applicationName = options.applicationName ?? "localex";
  const statements = sqlStatementCounter(applicationName);
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    connection: { application_name: applicationName },
    // Counts statements only: our patch of postgres.js (patches/) keeps a debug function from
    // capturing a stack trace on every query, as upstream does for any debug option.
    debug: () => statements.inc(),
  });
  return isTracing() ? traceQueries(sql, new URL(url).pathname.slice(1) || "postgres") : sql;
}

export function database<TSchema extends Record<string, unknown>>(sql: Sql, schema: TSchema): Database<TSchema> {
  return drizzle(sql, { schema });
}

/**
 * The folder that holds a subgraph's drizzle-kit migrations: drizzle/<subgraph>; or the shared
 * schema every subgraph writes (`audit`, the admin audit log: docs/audit.md).
 */
export function migrationsFolder(name: SubgraphName | SharedSchema): string {
  return fileURLToPath(new URL(`../../../drizzle/${name}`, import.meta.url));
}

/** Schemas no subgraph owns: every subgraph applies their migrations at start, as it does the job queue's. */
export type SharedSchema = "audit";

/**
 * Applies a subgraph's (or a shared schema's) migrations on a connection of its own. One advisory lock for all
 * subgraphs serialises concurrent starts (replicas booting at once, or subgraphs sharing
 * the `drizzle` bookkeeping schema).
 */
export async function migrateSubgraph(url: string, name: SubgraphName | SharedSchema): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const lock = "localex:migrate";
  try {
    await sql`select pg_advisory_lock(hashtext(${lock}))`;
    // Nothing pending: drizzle's migrator would still `CREATE SCHEMA IF NOT EXISTS`, which needs
    // CREATE on the database, so an application role that owns nothing could not start
    // (docs/audit.md, "Running with an application role"). Only an owner applies migrations.
    if (!(await upToDate(sql, name))) {
      await migrate(drizzle(sql), {
        migrationsFolder: migrationsFolder(name),
        migrationsSchema: "drizzle",
        migrationsTable: `${name}_migrations`,
      });
    }
    await sql`select pg_advisory_unlock(hashtext(${lock}))`;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Whether the last migration in the folder's journal is recorded as applied (drizzle's own test: its `when` against `created_at`). */
async function upToDate(sql: postgres.Sql, name: SubgraphName | SharedSchema): Promise<boolean> {
  const journal = JSON.parse(await readFile(`${migrationsFolder(name)}/meta/_journal.json`, "utf8")) as { entries: { when: number }[] };
  const last = Math.max(...journal.entries.map((e) => e.when));
  const table = `drizzle.${name}_migrations`;
  const [found] = await sql<{ exists: boolean }[]>`select to_regclass(${table}) is not null as exists`;
  if (!found?.exists) return false;
  const [applied] = await sql<{ at: string | null }[]>`select max(created_at)::text as at from ${sql("drizzle")}.${sql(`${name}_migrations`)}`;
  return applied?.at != null && Number(applied.at) >= last;
}

/**
 * `column = any($keys)`, for a read by many keys that drizzle builds once and prepares
 * (`.prepare(name)`, then `.execute({ keys })`). drizzle's `inArray` writes `in ($1, …, $n)`:
 * built anew on every call (a tenth of a busy subgraph's CPU), and a different statement for
 * each number of keys, each planned again by PostgreSQL. One array parameter is one statement.
 */
export function anyOfKeys(column: AnyColumn, type: "uuid" | "text"): SQL {
  return query`${column} = any(${query.placeholder("keys")}::${query.raw(type)}[])`;
}

/**
 * A prepared read by uuid keys (its condition `anyOfKeys(…, "uuid")`) as a function of the keys:
 * malformed ones never reach SQL (PostgreSQL would refuse the cast), and no keys asks nothing.
 */
export function readByKeys<T>(prepared: { execute(values: { keys: string[] }): Promise<T[]> }): (keys: readonly string[]) => Promise<T[]> {
  return async (keys) => {
    const valid = keys.filter(isUuid);
    return valid.length === 0 ? [] : prepared.execute({ keys: valid });
  };
}
