// Stock @apollo/gateway on @apollo/server's standalone HTTP server, for `pnpm bench:gateway`:
// what a team gets from Apollo's documentation, plus the one thing our subgraphs insist on, a
// caller token on every subgraph request. It signs through RemoteGraphQLDataSource's own hook,
// willSendRequest, as the anonymous caller at the client's address (as our gateway does).
// Env: PORT, SUPERGRAPH_PATH (routing URLs already pointing at the subgraphs), GATEWAY_SECRET.
import { readFileSync } from "node:fs";
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { CALLER_HEADER, signCallerToken, type SubgraphName } from "@localex/common";

interface PeerContext {
  clientAddress: string | null;
}

class SignedDataSource extends RemoteGraphQLDataSource<PeerContext> {
  constructor(
    url: string,
    private readonly subgraph: SubgraphName,
    private readonly secret: string,
  ) {
    super({ url });
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<PeerContext>): Promise<void> {
    const token = await signCallerToken(this.secret, null, { signer: "gateway", audience: this.subgraph, clientAddress: context.clientAddress ?? null });
    request.http?.headers.set(CALLER_HEADER, token);
  }
}

const secret = process.env.GATEWAY_SECRET!;
const gateway = new ApolloGateway({
  supergraphSdl: readFileSync(process.env.SUPERGRAPH_PATH!, "utf8"),
  buildService: ({ name, url }) => new SignedDataSource(url!, name as SubgraphName, secret),
});
const server = new ApolloServer<PeerContext>({ gateway });
const { url } = await startStandaloneServer(server, {
  listen: { port: Number(process.env.PORT), host: "127.0.0.1" },
  context: async ({ req }) => ({ clientAddress: req.socket.remoteAddress ?? null }),
});
process.stdout.write(`listening ${url}\n`);
process.on("SIGTERM", () => void server.stop().then(() => process.exit(0)));
