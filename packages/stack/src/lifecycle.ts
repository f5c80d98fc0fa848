// The modules themselves, not the package's index: how a process ends should load nothing else.
import type { Logger } from "@localex/common/logger";
import { beginShutdown } from "@localex/common/shutdown";
import { stopTracing } from "@localex/common/telemetry/spans";

/**
 * Stops `stop` (the graph, the embedded database included) on SIGINT, SIGTERM, a lost parent
 * (IPC disconnect) or a crash, then exits: 0 after a requested stop, 1 after a crash, a failed
 * stop, or one that took longer than `timeoutSeconds` (SHUTDOWN_TIMEOUT_SECONDS). Our own
 * handler, so no library decides this process's exit code. Spans not yet exported are flushed last.
 * Returns a way to stop as after a crash (exit code 1), for a fault the process learns of itself.
 */
export function stopOnExitSignals(stop: () => Promise<void>, log: Logger, timeoutSeconds = 25): (reason: string, err: unknown) => void {
  let stopping = false;
  // The code to exit with once stopped; a fault while stopping raises it to 1, never lowers it.
  let exitCode = 0;
  const exit = () => void stopTracing().finally(() => process.exit(exitCode));
  const shutDown = (reason: string, code: number, err?: unknown) => {
    exitCode = Math.max(exitCode, code);
    if (stopping) {
      // A crash during the stop must not vanish: the stop goes on, and the exit code says it failed.
      if (err) log.fatal({ err }, `${reason} while shutting down`);
      return;
    }
    stopping = true;
    // Armed before anything is written: a write that throws (stdout's reader gone) must not leave
    // a process that believes it is stopping and never exits.
    setTimeout(() => {
      try {
        log.error({ timeoutSeconds }, "shutdown did not finish in time; exiting");
      } finally {
        process.exit(1);
      }
    }, timeoutSeconds * 1000).unref();
    beginShutdown();
    if (err) log.fatal({ err }, reason);
    else log.info({ reason }, "shutting down");
    stop().then(exit, (e: unknown) => {
      log.error({ err: e }, "shutdown failed");
      exitCode = 1;
      exit();
    });
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => shutDown(signal, 0));
  if (process.send) process.on("disconnect", () => shutDown("parent process gone", 0));
  process.on("uncaughtException", (err) => shutDown("uncaught exception", 1, err));
  process.on("unhandledRejection", (err) => shutDown("unhandled rejection", 1, err));
  return (reason, err) => shutDown(reason, 1, err);
}
