let stopping = false;

/**
 * Marks this process as stopping. On Ctrl-C the terminal signals the embedded PostgreSQL too, so
 * it can close connections before the job workers have stopped; from here on, such lost
 * connections are expected and logged at debug level rather than as errors.
 */
export function beginShutdown(): void {
  stopping = true;
}

export function isShuttingDown(): boolean {
  return stopping;
}
