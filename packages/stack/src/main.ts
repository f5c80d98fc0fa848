// `pnpm start`: the whole graph on its embedded defaults, as one command: in one process, or in
// one process per core, up to one per piece (GRAPH_PROCESSES).
// First: tracing patches libraries as they load (off unless OTEL_EXPORTER_OTLP_ENDPOINT is set).
import "@localex/common/telemetry/register";
import { createLogger, loadConfigOrExit } from "@localex/common";
import { stopOnExitSignals } from "./lifecycle.ts";
import type { RunningStack } from "./stack.ts";

const config = loadConfigOrExit(process.env, "graph");

const log = createLogger(config.app.logLevel);
const started = Date.now();
const processes = config.processes.count;
const perPiece = processes > 1;
let pieceLost: (error: Error) => void = (error) => {
  log.fatal({ err: error }, "a piece of the graph stopped while starting");
};
// Only the starter in use is loaded: with several processes, this one carries no subgraph's code.
const start = perPiece
  ? import("./processes.ts").then(({ startStackInProcesses }) => startStackInProcesses(config, log, (error) => pieceLost(error)))
  : import("./stack.ts").then(({ startStack }) => startStack(config, log));
const stack: RunningStack = await start.catch((e: unknown) => {
  log.fatal({ err: e }, "could not start");
  process.exit(1);
});

const rows = stack.subgraphs.map((s) => `  ${s.name.padEnd(9)} ${s.url}`).join("\n");
console.log(
  `\nLocalEx is up in ${process.uptime().toFixed(1)} s (${((Date.now() - started) / 1000).toFixed(1)} s after loading the code)` +
    `${perPiece ? `, in ${processes} processes` : ", in one process"}\n` +
    `  gateway   ${stack.gatewayUrl}  (Apollo Sandbox at ${stack.gatewayUrl.replace(/graphql$/, "")})\n` +
    `  websocket ${stack.wsUrl}\n${rows}\n` +
    `  database  ${config.database.url ? "DATABASE_URL" : `embedded PostgreSQL in ${config.app.dataDir}/postgres`}\n`,
);

// With a process per piece, the subgraphs stop within their own budget after the gateway's drain.
const budget = perPiece ? 2 * config.app.shutdownTimeoutSeconds + 5 : config.app.shutdownTimeoutSeconds;
const crashed = stopOnExitSignals(() => stack.stop(), log, budget);
// A subgraph's process that ends by itself leaves a graph that cannot serve: stop it all, exit 1.
pieceLost = (error) => crashed("a piece of the graph stopped", error);
