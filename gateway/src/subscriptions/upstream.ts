import { createClient, type Client, type FormattedExecutionResult } from "graphql-ws";
import WebSocket from "ws";
import {
  apiError,
  GATEWAY_SERVICE,
  signCallerToken,
  SUBGRAPH_MESSAGE_MAX_BYTES,
  type Caller,
  type CallerKeys,
  type Logger,
  type SubgraphName,
} from "@localex/common";

/** Room left in each message for graphql-ws's framing (type, id) around the payload we measure. */
const FRAME_ALLOWANCE_BYTES = 256;

export interface UpstreamSink {
  next(result: FormattedExecutionResult): void;
  /** The subgraph ended the subscription with an error, or its socket went away. */
  error(error: unknown): void;
  complete(): void;
}

/**
 * One graphql-ws connection from this gateway to each subgraph that owns subscriptions,
 * multiplexing every client's subscriptions to it: the connection proves it is the gateway,
 * and each subscription carries its subscriber's signed identity in `extensions.caller`.
 */
export class SubgraphSockets {
  private readonly clients = new Map<SubgraphName, Client>();

  constructor(
    private readonly urls: (subgraph: SubgraphName) => string | undefined,
    /** Holds the gateway's private key: the socket and each subscription are signed with it. */
    private readonly keys: CallerKeys,
    private readonly log: Logger,
  ) {}

  async subscribe(
    subgraph: SubgraphName,
    request: { query: string; variables: Record<string, unknown>; operationName?: string },
    origin: { caller: Caller | null; clientAddress: string | null },
    sink: UpstreamSink,
  ): Promise<() => void> {
    const token = await signCallerToken(this.keys, origin.caller, { signer: "gateway", audience: subgraph, clientAddress: origin.clientAddress });
    const payload = { ...request, extensions: { caller: token } };
    // A message the subgraph would refuse closes the socket every subscriber shares (1009):
    // refuse it here, on this subscription alone.
    if (Buffer.byteLength(JSON.stringify(payload)) > SUBGRAPH_MESSAGE_MAX_BYTES - FRAME_ALLOWANCE_BYTES) {
      sink.error([apiError("SUBSCRIPTION_TOO_LARGE", "This subscription is too large to serve; ask for fewer fields.")]);
      return () => undefined;
    }
    return this.client(subgraph).subscribe(payload, sink);
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.dispose()));
    this.clients.clear();
  }

  private client(subgraph: SubgraphName): Client {
    const existing = this.clients.get(subgraph);
    if (existing) return existing;
    const url = this.urls(subgraph);
    if (!url) throw new Error(`No address for the ${subgraph} subgraph.`);
    const client = createClient({
      url: url.replace(/^http/, "ws"),
      webSocketImpl: WebSocket,
      // Connected while anyone subscribes; a dropped connection ends its subscriptions with an
      // error (the client resubscribes), and the next subscription reconnects.
      lazy: true,
      lazyCloseTimeout: 5_000,
      retryAttempts: 0,
      keepAlive: 15_000,
      connectionParams: async () => ({
        caller: await signCallerToken(this.keys, { userId: GATEWAY_SERVICE, role: "service", sessionId: "gateway" }, { signer: "gateway", audience: subgraph }),
      }),
      on: { closed: (event) => this.log.debug({ subgraph, code: (event as { code?: number }).code }, "subgraph subscription socket closed") },
    });
    this.clients.set(subgraph, client);
    return client;
  }
}
