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

/** WebSocket close code 1012 (Service Restart): the server is going away; reconnect, shortly and maybe elsewhere. */
export const SERVICE_RESTART = 1012;

/** Closes every socket with 1012, the reconnect hint, before a server stops (graphql-ws's own dispose says 1001). */
export function closeForRestart(sockets: Iterable<{ close(code: number, reason: string): void }>): void {
  for (const socket of sockets) socket.close(SERVICE_RESTART, "Service restart");
}
