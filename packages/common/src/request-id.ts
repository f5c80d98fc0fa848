import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";

/** The header a request id travels in: client → gateway → subgraphs → internal calls, and back. */
export const REQUEST_ID_HEADER = "x-request-id";

/** A well-formed incoming id is kept (a proxy's or a client's); anything else is replaced. */
const WELL_FORMED = /^[A-Za-z0-9._:-]{8,128}$/;

/** The request id of a raw request: its well-formed X-Request-Id, or a new one. */
export function requestIdOf(request: IncomingMessage): string {
  const incoming = request.headers[REQUEST_ID_HEADER];
  return typeof incoming === "string" && WELL_FORMED.test(incoming) ? incoming : randomUUID();
}

/**
 * The request being served, for whatever runs on its behalf (log lines, internal calls): set
 * once per request by the HTTP server, read anywhere below it without passing it along.
 */
export const requestScope = new AsyncLocalStorage<{ requestId: string }>();

export const currentRequestId = (): string | undefined => requestScope.getStore()?.requestId;
