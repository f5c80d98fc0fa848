// Stock @apollo/gateway on @apollo/server's standalone HTTP server, for `pnpm bench:gateway`:
// what a team gets from Apollo's documentation, plus the one thing our subgraphs insist on, a
// caller token on every subgraph request. The client's access token is verified once per
// request (the context function) and each subgraph request is signed for that member, or as
// the anonymous caller, at the client's address, through RemoteGraphQLDataSource's own hook,
// willSendRequest, as our gateway does (caller.ts). It has no in-flight deduplication.
// Env: PORT, SUPERGRAPH_PATH (routing URLs already pointing at the subgraphs), JWT_SECRET, and the gateway's caller key (CALLER_SIGNING_KEY, or the graph's CALLER_KEY_SEED).
import { readFileSync } from "node:fs";
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import type { Caller } from "@localex/common";
import { callerOf, signedFor } from "./caller.ts";

interface PeerContext {
  caller: Caller | null;
  clientAddress: string | null;
}

class SignedDataSource extends RemoteGraphQLDataSource<PeerContext> {
  constructor(
    url: string,
    private readonly subgraph: string,
  ) {
    super({ url });
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<PeerContext>): Promise<void> {
    const headers = await signedFor(context.caller ?? null, this.subgraph, context.clientAddress ?? null);
    for (const [name, value] of Object.entries(headers)) request.http?.headers.set(name, value);
  }
}

const gateway = new ApolloGateway({
  supergraphSdl: readFileSync(process.env.SUPERGRAPH_PATH!, "utf8"),
  buildService: ({ name, url }) => new SignedDataSource(url!, name),
});
const server = new ApolloServer<PeerContext>({ gateway });
const { url } = await startStandaloneServer(server, {
  listen: { port: Number(process.env.PORT), host: "127.0.0.1" },
  context: async ({ req }) => ({ caller: await callerOf(req.headers.authorization), clientAddress: req.socket.remoteAddress ?? null }),
});
process.stdout.write(`listening ${url}\n`);
process.on("SIGTERM", () => void server.stop().then(() => process.exit(0)));
