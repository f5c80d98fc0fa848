import type { AddressInfo } from "node:net";
import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import type { ErrorCode } from "./error-codes.ts";
import { errorBody } from "./errors.ts";
import type { Logger } from "./logger.ts";
import { REQUEST_ID_HEADER, requestIdOf, requestScope } from "./request-id.ts";

/** Codes for the HTTP-level refusals fastify makes before a request reaches Apollo Server. */
const HTTP_CODES: Record<number, ErrorCode> = {
  400: "BAD_REQUEST",
  404: "NOT_FOUND",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
};

/** Largest request body accepted, in bytes; operations are small, uploads go elsewhere. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** A refused body up to this size is read and dropped, so its sender gets the 413. */
const MAX_DRAINED_BYTES = 8 * 1024 * 1024;

/**
 * The HTTP server every subgraph and the gateway run on. Fastify rather than express: its
 * routing and JSON body parsing cost a fraction of express's per request, which shows on a path
 * every operation takes twice (client → gateway → subgraph). Requests it refuses itself (a body
 * too large or not JSON, an unknown path) get a GraphQL-shaped error, as Apollo's own do.
 */
export function createHttpServer(log: Logger): FastifyInstance {
  const app = Fastify({ bodyLimit: MAX_BODY_BYTES, logger: false, genReqId: requestIdOf });
  // The request id: answered in X-Request-Id, and in scope (logs, internal calls) while it is served.
  app.addHook("onRequest", (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    requestScope.run({ requestId: request.id }, done);
  });
  // Stopping (fastify.close: no new connections, requests in flight finish): each answer from
  // then on closes its connection, so a kept-alive client cannot hold the stop back.
  let closing = false;
  app.addHook("preClose", (done) => {
    closing = true;
    done();
  });
  app.addHook("onSend", (_request, reply, payload, done) => {
    if (closing) void reply.header("connection", "close");
    done(null, payload);
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    // Fastify closes the connection after refusing a body, so a client still sending it sees a
    // reset instead of our answer. A body not much over the limit is read to its end and
    // dropped instead; a much larger (or undeclared) one still closes the connection.
    const declared = Number(request.headers["content-length"]);
    if (status === 413 && Number.isFinite(declared) && declared <= MAX_DRAINED_BYTES) reply.removeHeader("connection");
    if (status === 500) log.error({ err: error }, "request failed");
    const message = status === 413 ? `The request body is larger than ${MAX_BODY_BYTES} bytes.` : status === 500 ? "Internal server error." : error.message;
    void reply.code(status).send(errorBody(HTTP_CODES[status] ?? "INTERNAL_SERVER_ERROR", message));
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send(errorBody("NOT_FOUND", `Nothing is served at ${request.method} ${request.url}.`));
  });
  return app;
}

/** Listens on `host:port` (0 picks a free port) and returns `http://host:port`. */
export async function listen(app: FastifyInstance, host: string, port: number): Promise<string> {
  await app.listen({ host, port });
  const { port: actual } = app.server.address() as AddressInfo;
  return `http://${host}:${actual}`;
}
