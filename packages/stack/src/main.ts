// `pnpm start`: the whole graph in one process on its embedded defaults.
// First: tracing patches libraries as they load (off unless OTEL_EXPORTER_OTLP_ENDPOINT is set).
import "@localex/common/telemetry/register";
import { createLogger, loadConfigOrExit } from "@localex/common";
import { stopOnExitSignals } from "./lifecycle.ts";
import { startStack } from "./stack.ts";

const config = loadConfigOrExit(process.env, "graph");

const log = createLogger(config.app.logLevel);
const started = Date.now();
const stack = await startStack(config, log).catch((e: unknown) => {
  log.fatal({ err: e }, "could not start");
  process.exit(1);
});

const rows = stack.subgraphs.map((s) => `  ${s.name.padEnd(9)} ${s.url}`).join("\n");
console.log(
  `\nLocalEx is up in ${process.uptime().toFixed(1)} s (${((Date.now() - started) / 1000).toFixed(1)} s after loading the code)\n` +
    `  gateway   ${stack.gatewayUrl}  (Apollo Sandbox at ${stack.gatewayUrl.replace(/graphql$/, "")})\n` +
    `  websocket ${stack.wsUrl}\n${rows}\n` +
    `  database  ${config.database.url ? "DATABASE_URL" : `embedded PostgreSQL in ${config.app.dataDir}/postgres`}\n`,
);

stopOnExitSignals(() => stack.stop(), log, config.app.shutdownTimeoutSeconds);
