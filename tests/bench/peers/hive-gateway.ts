// Hive Gateway (@graphql-hive/gateway, its runtime on Node's HTTP server), for `pnpm bench:gateway`,
// with its defaults apart from what our subgraphs insist on: a caller token on every subgraph
// request. As our gateway does, it verifies the client's access token once per request (a
// plugin's onContextBuilding) and signs each subgraph request for that member, or as the
// anonymous caller, at the client's address (propagateHeaders.fromClientToSubgraphs, per
// subgraph), so the token is part of the headers its in-flight deduplication keys on: two
// members never share an answer, as with ours.
// HIVE_DEDUPLICATE=false turns that deduplication off (the HTTP transport's
// deduplicateInflightRequests). HIVE_ROUTER_RUNTIME=true plans and executes with the Hive
// Router's Rust query planner (@graphql-hive/router-runtime's unifiedGraphHandler, what the
// gateway's CLI loads for --hive-router-runtime) instead of the JavaScript one.
// Env: PORT, SUPERGRAPH_PATH (routing URLs already pointing at the subgraphs), JWT_SECRET, and the gateway's caller key (CALLER_SIGNING_KEY, or the graph's CALLER_KEY_SEED).
import { createServer, type IncomingMessage, type RequestListener } from "node:http";
import type { Caller } from "@localex/common";
import { callerOf, signedFor } from "./caller.ts";

// Loaded by specifiers TypeScript does not follow: their declarations replace the global fetch
// types (BodyInit) for the whole program, which breaks other files' typecheck.
const HIVE = "@graphql-hive/gateway";
const ROUTER_RUNTIME = "@graphql-hive/router-runtime";
const { createGatewayRuntime } = (await import(HIVE)) as {
  createGatewayRuntime(config: Record<string, unknown>): RequestListener & { dispose(): unknown };
};
const routerRuntime = process.env.HIVE_ROUTER_RUNTIME === "true";
const unifiedGraphHandler = routerRuntime ? ((await import(ROUTER_RUNTIME)) as { unifiedGraphHandler: unknown }).unifiedGraphHandler : undefined;

const deduplicate = process.env.HIVE_DEDUPLICATE !== "false";

/** What this peer keeps per request: the Fetch API request, Node's own (for the client's address), the caller. */
interface PeerContext {
  request: Request;
  req?: IncomingMessage;
  caller?: Caller | null;
}

const gateway = createGatewayRuntime({
  supergraph: process.env.SUPERGRAPH_PATH!,
  logging: "error",
  landingPage: false,
  ...(unifiedGraphHandler ? { unifiedGraphHandler } : {}),
  plugins: () => [
    {
      async onContextBuilding({ context, extendContext }: { context: PeerContext; extendContext(extension: Partial<PeerContext>): void }) {
        extendContext({ caller: await callerOf(context.request.headers.get("authorization")) });
      },
    },
  ],
  propagateHeaders: {
    fromClientToSubgraphs: ({ context, subgraphName }: { context: PeerContext; subgraphName: string }) => {
      // Signed without it, the subgraphs would rate-limit this peer's clients differently from ours'.
      const clientAddress = context.req?.socket.remoteAddress;
      if (!clientAddress) throw new Error("Hive's context has no Node request to read the client's address from");
      return signedFor(context.caller ?? null, subgraphName, clientAddress);
    },
  },
  ...(deduplicate ? {} : { transportEntries: { "*.http": { options: { deduplicateInflightRequests: false } } } }),
});

const server = createServer(gateway);
server.listen(Number(process.env.PORT), "127.0.0.1", () =>
  process.stdout.write(`listening http://127.0.0.1:${process.env.PORT}/graphql${routerRuntime ? " (router runtime)" : ""}\n`),
);
process.on("SIGTERM", () => server.close(() => void Promise.resolve(gateway.dispose()).then(() => process.exit(0))));
