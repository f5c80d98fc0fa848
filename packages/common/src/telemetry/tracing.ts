import { context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { GraphQLInstrumentation } from "@opentelemetry/instrumentation-graphql";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { IORedisInstrumentation } from "@opentelemetry/instrumentation-ioredis";
import { UndiciInstrumentation } from "@opentelemetry/instrumentation-undici";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type SpanExporter,
} from "@opentelemetry/sdk-trace";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import { stopTracing, tracingStarted } from "./spans.ts";

export type { SpanExporter };

export interface TracingOptions {
  /** `service.name` on every span: `localex-gateway`, `localex-listings`, or `localex` for the whole graph in one process. */
  serviceName: string;
  /** Where spans go; a test passes an InMemorySpanExporter. Without it: OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set. */
  exporter?: SpanExporter;
  env?: NodeJS.ProcessEnv;
}

export interface Tracing {
  /** Flushes the spans not yet exported and stops tracing. */
  shutdown(): Promise<void>;
}

/**
 * Traces this process with OpenTelemetry: incoming and outgoing HTTP (the gateway's subgraph
 * fetches and internal calls go through undici, whose instrumentation adds `traceparent`),
 * GraphQL parse/validate/execute, Redis commands, @apollo/gateway's own plan and fetch spans, and
 * our SQL (postgres.ts: postgres.js has no official instrumentation). Off, at no cost, unless an
 * exporter is given or OTEL_EXPORTER_OTLP_ENDPOINT is set (OTLP over HTTP/protobuf, the
 * exporter reading its standard OTEL_EXPORTER_OTLP_* settings).
 *
 * The instrumentations patch modules as they are loaded, so this must run before fastify,
 * graphql and ioredis are: entry points import ./register.ts first; tests call it before they
 * import the graph.
 */
export function startTracing(options: TracingOptions): Tracing | null {
  const env = options.env ?? process.env;
  const exporter = options.exporter ?? (env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ? new OTLPTraceExporter() : null);
  if (!exporter) return null;
  const ratio = Number(env.OTEL_TRACES_SAMPLER_ARG);
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME || options.serviceName }),
    // An upstream decision (a sampled traceparent) is kept; a new trace is sampled at the ratio.
    sampler: new ParentBasedSampler({ root: ratio >= 0 && ratio < 1 ? new TraceIdRatioBasedSampler(ratio) : new AlwaysOnSampler() }),
    // Spans for a test's exporter are there as soon as they end; OTLP sends them in batches.
    spanProcessors: [options.exporter ? new SimpleSpanProcessor({ exporter }) : new BatchSpanProcessor({ exporter })],
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  trace.setGlobalTracerProvider(provider);
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        // Probes and scrapes are not requests anyone traces.
        ignoreIncomingRequestHook: (request) => /^\/(healthz|readyz|health|metrics)(\?|$)/.test(request.url ?? ""),
      }),
      new UndiciInstrumentation(),
      // One span per parse, validate and execute, not one per field resolved.
      new GraphQLInstrumentation({ ignoreTrivialResolveSpans: true, ignoreResolveSpans: true, mergeItems: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
    ],
  });
  tracingStarted(async () => {
    unregister();
    await provider.shutdown();
    trace.disable();
    propagation.disable();
    context.disable();
  });
  return { shutdown: stopTracing };
}
