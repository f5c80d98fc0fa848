import type { AddressInfo } from "node:net";
import Fastify, { type FastifyInstance } from "fastify";

/**
 * The HTTP server every subgraph and the gateway run on. Fastify rather than express:
 * its routing and JSON body parsing cost a fraction of express's per request, which shows
 * on a path every operation takes twice (client → gateway → subgraph).
 */
export function createHttpServer(): FastifyInstance {
  return Fastify({
    bodyLimit: 1024 * 1024,
    // Apollo answers GraphQL errors itself; fastify's own logging would duplicate ours.
    logger: false,
  });
}

/** Listens on `host:port` (0 picks a free port) and returns `http://host:port`. */
export async function listen(app: FastifyInstance, host: string, port: number): Promise<string> {
  await app.listen({ host, port });
  const { port: actual } = app.server.address() as AddressInfo;
  return `http://${host}:${actual}`;
}
