import { context, propagation, SpanKind, SpanStatusCode, trace, type Context } from "@opentelemetry/api";

/**
 * What code outside tracing.ts needs from tracing, on the OpenTelemetry API alone (a no-op
 * until tracing.ts registers a provider): the tracer, whether tracing is on (so nothing is
 * wrapped when it is off), and a trace context carried through a job's payload.
 */
export const tracer = trace.getTracer("localex");

let shutdown: (() => Promise<void>) | null = null;
let on = false;
/** Called by tracing.ts: tracing is on until `stopTracing`, which runs `stop` (flushes what is not yet exported). */
export function tracingStarted(stop: () => Promise<void>): void {
  shutdown = stop;
  on = true;
}
export const isTracing = (): boolean => on;
/** Flushes and stops tracing, if it is on (a process's last step before it exits). */
export async function stopTracing(): Promise<void> {
  const stop = shutdown;
  shutdown = null;
  on = false;
  await stop?.();
}

/** The current trace context as W3C headers (`traceparent`), to store with work done later. */
export function currentTraceHeaders(): Record<string, string> {
  const carrier: Record<string, string> = {};
  if (on) propagation.inject(context.active(), carrier);
  return carrier;
}

/** Runs `work` in a span whose parent is the trace context stored with it (a job started by a request joins that request's trace). */
export async function inSpanFrom<T>(
  name: string,
  headers: Record<string, string> | undefined,
  attributes: Record<string, string | number>,
  work: () => Promise<T>,
): Promise<T> {
  if (!on) return work();
  const parent: Context = headers ? propagation.extract(context.active(), headers) : context.active();
  return tracer.startActiveSpan(name, { kind: SpanKind.CONSUMER, attributes }, parent, async (span) => {
    try {
      return await work();
    } catch (e) {
      span.recordException(e instanceof Error ? e : String(e));
      span.setStatus({ code: SpanStatusCode.ERROR, message: e instanceof Error ? e.message : String(e) });
      throw e;
    } finally {
      span.end();
    }
  });
}
