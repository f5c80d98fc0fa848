// What the public gateway tells strangers about the inside of the graph (issue 20): no subgraph
// address in a client's error, and which dependency is down only to whoever holds the token.
import { createServer, type Server } from "node:http";
import type { GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearerIs, CallerKeyring, createHttpServer, createLogger, serveHealth } from "@localex/common";
import { CallerDataSource } from "../../gateway/src/datasource.ts";
import type { GatewayContext } from "../../gateway/src/caller.ts";

describe("/readyz on a public port", () => {
  const app = createHttpServer(createLogger("silent"));
  const token = "readiness-detail-token-0123456789";
  serveHealth(app, "gateway", { events: async () => true, listings: async () => "connect ECONNREFUSED 10.0.3.7:4002" }, bearerIs(token));
  afterAll(() => app.close());

  it("tells a stranger only that it is unavailable", async () => {
    const response = await app.inject({ method: "GET", url: "/readyz" });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ status: "unavailable" });
    expect(response.body).not.toContain("10.0.3.7");
  });

  it("tells the holder of the token which dependency is down and why (the positive control)", async () => {
    const response = await app.inject({ method: "GET", url: "/readyz", headers: { authorization: `Bearer ${token}` } });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ status: "unavailable", name: "gateway", checks: { events: "ok", listings: "connect ECONNREFUSED 10.0.3.7:4002" } });
    const wrong = await app.inject({ method: "GET", url: "/readyz", headers: { authorization: `Bearer ${token}x` } });
    expect(wrong.json()).toEqual({ status: "unavailable" });
  });
});

describe("a subgraph's refusal, as the gateway passes it on", () => {
  let subgraph: Server;
  let url = "";
  beforeAll(async () => {
    subgraph = createServer((_request, response) => {
      response.writeHead(403, { "content-type": "application/json" }).end(JSON.stringify({ errors: [{ message: "signed for another subgraph" }] }));
    });
    await new Promise<void>((resolve) => subgraph.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(subgraph.address() as { port: number }).port}/graphql`;
  });
  afterAll(() => new Promise<void>((resolve) => subgraph.close(() => resolve())));

  it("names the subgraph and the status, never its address", async () => {
    const source = new CallerDataSource("listings", url, CallerKeyring.fromSeed("unit-test-seed-0123456789abcdef0123456789"), {
      maxFileBytes: 1,
      timeoutMs: 5_000,
    });
    const options = {
      request: { query: "{ categories { id } }" },
      context: { caller: null, clientAddress: null },
    } as unknown as GraphQLDataSourceProcessOptions<GatewayContext>;
    const error = await source.process(options).then(
      () => null,
      (e: unknown) => e as { extensions: Record<string, unknown> },
    );
    await source.close();
    expect(error?.extensions).toMatchObject({ code: "FORBIDDEN", subgraph: "listings", response: { status: 403 } });
    expect(JSON.stringify(error?.extensions)).not.toContain("127.0.0.1");
  });
});
