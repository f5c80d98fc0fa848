// Imported first by each entry point (`pnpm start`, `pnpm serve <name>`, the test harness's
// graph): tracing's instrumentations patch libraries as they load, so it starts before any of
// them. Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set (tracing.ts).
import { startTracing } from "./tracing.ts";

/** `localex-<name>` for `pnpm serve <name>` (`localex-<a>+<b>` for several), `localex` for the whole graph in one process; OTEL_SERVICE_NAME overrides. */
const served = /serve\.ts$/.test(process.argv[1] ?? "") ? process.argv.slice(2).join("+") || undefined : undefined;
startTracing({ serviceName: served ? `localex-${served}` : "localex" });
