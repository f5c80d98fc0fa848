import { beginShutdown, type Logger } from "@localex/common";

/**
 * Stops `stop` (the graph, the embedded database included) on SIGINT, SIGTERM, a lost parent
 * (IPC disconnect) or a crash, then exits: 0 after a requested stop, 1 after a crash or a failed
 * stop. Our own handler, so no library decides this process's exit code.
 */
export function stopOnExitSignals(stop: () => Promise<void>, log: Logger): void {
  let stopping = false;
  const shutDown = (reason: string, code: number, err?: unknown) => {
    if (stopping) return;
    stopping = true;
    beginShutdown();
    if (err) log.fatal({ err }, reason);
    else log.info({ reason }, "shutting down");
    stop().then(
      () => process.exit(code),
      (e: unknown) => {
        log.error({ err: e }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => shutDown(signal, 0));
  if (process.send) process.on("disconnect", () => shutDown("parent process gone", 0));
  process.on("uncaughtException", (err) => shutDown("uncaught exception", 1, err));
  process.on("unhandledRejection", (err) => shutDown("unhandled rejection", 1, err));
}
