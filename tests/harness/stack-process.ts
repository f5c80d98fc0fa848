// The graph under test, in a process of its own: nothing the stack imports (the embedded
// PostgreSQL, job workers, open sockets) can touch the exit code or event loop of the vitest
// process that reports the results. Started by global-setup.ts with its environment; reports
// its URLs over IPC, stops everything on SIGTERM or when vitest goes away.
// First: tracing patches libraries as they load (off unless OTEL_EXPORTER_OTLP_ENDPOINT is set).
import "@localex/common/telemetry/register";
import { createLogger, loadConfig } from "@localex/common";
import { startStack, stopOnExitSignals } from "@localex/stack";

export interface StackReady {
  gatewayUrl: string;
  wsUrl: string;
  databaseUrl: string;
  subgraphUrls: Record<string, string>;
}

const config = loadConfig();
const log = createLogger(config.LOG_LEVEL);
const stack = await startStack(config, log);
stopOnExitSignals(() => stack.stop(), log);
const ready: StackReady = {
  gatewayUrl: stack.gatewayUrl,
  wsUrl: stack.wsUrl,
  databaseUrl: stack.databaseUrl,
  subgraphUrls: Object.fromEntries(stack.subgraphs.map((s) => [s.name, s.url])),
};
process.send?.({ ready });
