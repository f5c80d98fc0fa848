// Tracing for a test file that starts graph pieces in its own process: import this FIRST
// (before anything that loads fastify, graphql or ioredis), so the instrumentations patch them.
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace";
import { startTracing } from "@localex/common/telemetry/tracing";

/** Every span this test process ends, as it ends. */
export const spans = new InMemorySpanExporter();
export const tracing = startTracing({ serviceName: "localex-test", exporter: spans })!;
