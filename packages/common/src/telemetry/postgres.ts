import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type postgres from "postgres";
import { tracer } from "./spans.ts";

type Sql = postgres.Sql;

/** What we hook on a postgres.js query: it runs once, from its first await (`handle`), and settles through `resolve`/`reject`. */
interface PendingQuery {
  executed: boolean;
  handle(): Promise<void>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

const MAX_TEXT = 2_000;

/** Gives a query a span from when it is sent until it settles, under the span that awaits it (none without one). */
function watch<T>(query: T, text: string, namespace: string): T {
  const pending = query as Partial<PendingQuery>;
  // A fragment or helper (sql`and id = ${x}` inside another query) is not run on its own: no span.
  if (typeof pending.handle !== "function" || typeof pending.resolve !== "function") return query;
  const handle = pending.handle;
  pending.handle = function (this: PendingQuery) {
    if (!this.executed && trace.getSpan(context.active())) {
      const operation = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? "SQL";
      const span = tracer.startSpan(`${operation} ${namespace}`, {
        kind: SpanKind.CLIENT,
        attributes: {
          "db.system.name": "postgresql",
          "db.namespace": namespace,
          "db.operation.name": operation,
          "db.query.text": text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text,
        },
      });
      const { resolve, reject } = this;
      this.resolve = (value) => {
        span.end();
        resolve(value);
      };
      this.reject = (error) => {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
        span.end();
        reject(error);
      };
    }
    return handle.call(this);
  };
  return query;
}

/** A tagged template's statement with `$n` where its values go (the values themselves are never recorded). */
const statementOf = (strings: TemplateStringsArray): string => strings.reduce((text, part, i) => `${text}$${i}${part}`);

/**
 * The pool, with a span for every statement run within a traced request or job: postgres.js has
 * no OpenTelemetry instrumentation of its own (the official one is for `pg`). Covers tagged
 * templates, `unsafe` (what drizzle sends) and the queries of `begin`/`savepoint` transactions.
 */
export function traceQueries(sql: Sql, namespace: string): Sql {
  return new Proxy(sql, {
    apply(target, self, args: unknown[]) {
      const result: unknown = Reflect.apply(target, self, args);
      const strings = args[0];
      return Array.isArray(strings) && "raw" in strings ? watch(result, statementOf(strings as unknown as TemplateStringsArray), namespace) : result;
    },
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      if (property === "unsafe") {
        return (text: string, ...rest: unknown[]) => watch((value as (...a: unknown[]) => unknown)(text, ...rest), text, namespace);
      }
      if (property === "begin" || property === "savepoint") {
        return (...args: unknown[]) => {
          const work = args.pop() as (tx: Sql) => unknown;
          return (value as (...a: unknown[]) => unknown)(...args, (tx: Sql) => work(traceQueries(tx, namespace)));
        };
      }
      return value;
    },
  });
}
