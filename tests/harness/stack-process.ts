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
  pid: number;
}

/** A message to global-setup.ts: ready, or why the graph is going down. */
export type StackMessage = { ready: StackReady } | { fault: string };

/**
 * Faults the runner's own tests (tests/platform/exit-code.test.ts) stage, to show that the run
 * fails when the graph's shutdown does: a stop that throws, an exception while stopping, a stop
 * that never ends.
 */
const STAGED_FAULT = process.env.LOCALEX_TEST_STACK_FAULT ?? "";

const config = loadConfig();
const log = createLogger(config.app.logLevel);
const stack = await startStack(config, log);

const tell = (message: StackMessage) => {
  if (process.connected) process.send?.(message);
};
// Whatever takes the graph down is told to the runner, which names it when it fails the run.
process.on("uncaughtException", (err) => tell({ fault: `uncaught exception: ${err.stack ?? String(err)}` }));
process.on("unhandledRejection", (err) => tell({ fault: `unhandled rejection: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}` }));

async function stop(): Promise<void> {
  try {
    if (STAGED_FAULT === "throw-while-stopping")
      setImmediate(() => {
        throw new Error("staged: an exception while the graph stops");
      });
    if (STAGED_FAULT === "hang-on-stop") await new Promise(() => undefined);
    await stack.stop();
    if (STAGED_FAULT === "stop-fails") throw new Error("staged: the graph's stop failed");
  } catch (err) {
    tell({ fault: `its stop failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}` });
    throw err;
  }
}
stopOnExitSignals(stop, log, config.app.shutdownTimeoutSeconds);
tell({
  ready: {
    gatewayUrl: stack.gatewayUrl,
    wsUrl: stack.wsUrl,
    databaseUrl: stack.databaseUrl,
    subgraphUrls: Object.fromEntries(stack.subgraphs.map((s) => [s.name, s.url])),
    pid: process.pid,
  },
});
