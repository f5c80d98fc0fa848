// Hive Gateway (@graphql-hive/gateway, its runtime on Node's HTTP server), for `pnpm bench:gateway`,
// with its defaults apart from what our subgraphs insist on: a caller token on every subgraph
// request, set through its propagateHeaders hook (fromClientToSubgraphs, per subgraph), so the
// token is part of the headers its in-flight deduplication keys on. HIVE_DEDUPLICATE=false turns
// that deduplication off (the HTTP transport's deduplicateInflightRequests).
// Env: PORT, SUPERGRAPH_PATH (routing URLs already pointing at the subgraphs), GATEWAY_SECRET.
import { createServer, type RequestListener } from "node:http";
import { CALLER_HEADER, signCallerToken, type SubgraphName } from "@localex/common";

// Loaded by a specifier TypeScript does not follow: its declarations replace the global fetch
// types (BodyInit) for the whole program, which breaks other files' typecheck.
const HIVE = "@graphql-hive/gateway";
const { createGatewayRuntime } = (await import(HIVE)) as {
  createGatewayRuntime(config: Record<string, unknown>): RequestListener & { dispose(): unknown };
};

const secret = process.env.GATEWAY_SECRET!;
const deduplicate = process.env.HIVE_DEDUPLICATE !== "false";

const gateway = createGatewayRuntime({
  supergraph: process.env.SUPERGRAPH_PATH!,
  logging: "error",
  landingPage: false,
  propagateHeaders: {
    fromClientToSubgraphs: async ({ subgraphName }: { subgraphName: string }) => ({
      [CALLER_HEADER]: await signCallerToken(secret, null, { signer: "gateway", audience: subgraphName as SubgraphName, clientAddress: "127.0.0.1" }),
    }),
  },
  ...(deduplicate ? {} : { transportEntries: { "*.http": { options: { deduplicateInflightRequests: false } } } }),
});

const server = createServer(gateway);
server.listen(Number(process.env.PORT), "127.0.0.1", () => process.stdout.write(`listening http://127.0.0.1:${process.env.PORT}/graphql\n`));
process.on("SIGTERM", () => server.close(() => void Promise.resolve(gateway.dispose()).then(() => process.exit(0))));
