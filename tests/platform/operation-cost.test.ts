import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createEventBus, createLogger, loadConfig, type SubgraphName } from "@localex/common";
import { startGateway, type RunningGateway } from "../../gateway/src/server.ts";
import { readSupergraph } from "../../packages/stack/src/composition.ts";
import { GatewayClient, registerUser, wsClient, wsOnce } from "../harness/client.ts";
import { testGraphEnvironment, testPieceKeys } from "../harness/secrets.ts";

const anonymous = new GatewayClient();

// Tried: 20 aliases of this with n = 100 asked for about 200 000 listings in one request and got them.
const NESTED = (aliases: number, withFirst: boolean) => {
  const page = withFirst ? "(first: $n)" : "";
  const body = `listings${page} { edges { node { id owner { listings${page} { edges { node { id } } } } } } }`;
  return `query Nested${withFirst ? "($n: Int)" : ""} { ${Array.from({ length: aliases }, (_, i) => `a${i}: ${body}`).join(" ")} }`;
};

describe("operation cost counts what the operation would fetch", () => {
  it("refuses nested pages sized by variables (n = 100), over HTTP, with a readable error", async () => {
    const res = await anonymous.request(NESTED(20, true), { n: 100 });
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.extensions?.code).toBe("COST_LIMIT_EXCEEDED");
    expect(res.errors?.[0]?.message).toMatch(/cost \d+, over the limit of 10000/);
    expect(res.errors?.[0]?.extensions?.cost).toBeGreaterThan(200_000);
    expect(res.data ?? null).toBeNull();
  });

  it("counts the default page size when `first` is left out", async () => {
    const res = await anonymous.request(NESTED(20, false));
    expect(res.errors?.[0]?.extensions?.code).toBe("COST_LIMIT_EXCEEDED");
    // One alias of it: 20 owners' pages of 20 is within the limit, and answered.
    const one = await anonymous.request<{ a0: { edges: unknown[] } }>(NESTED(1, false));
    expect(one.errors ?? []).toEqual([]);
    expect(one.data?.a0.edges).toBeInstanceOf(Array);
  });

  it("prices the same document by the variables it is sent with", async () => {
    const small = await anonymous.request(NESTED(2, true), { n: 5 });
    expect(small.errors ?? []).toEqual([]);
    const large = await anonymous.request(NESTED(2, true), { n: 100 });
    expect(large.errors?.[0]?.extensions?.code).toBe("COST_LIMIT_EXCEEDED");
  });

  it("applies the same limit to WebSocket operations, with their variables", async () => {
    const user = await registerUser();
    const client = wsClient(user.accessToken);
    try {
      const refused = await wsOnce(client, NESTED(20, true), { n: 100 }).then(
        () => null,
        (errors: { message: string; extensions?: { code?: string } }[]) => errors,
      );
      expect(refused?.[0]?.extensions?.code).toBe("COST_LIMIT_EXCEEDED");
      const answered = await wsOnce(client, NESTED(1, true), { n: 3 });
      expect(answered.errors ?? []).toEqual([]);
    } finally {
      await client.dispose();
    }
  });
});

describe("a production gateway hides field suggestions over WebSocket as over HTTP", () => {
  let gateway: RunningGateway;
  beforeAll(async () => {
    // What a production gateway requires: a non-development JWT_SECRET, its own caller key, and
    // where each subgraph listens.
    const subgraphUrls = inject("subgraphUrls");
    const config = loadConfig(
      {
        ...testGraphEnvironment(),
        NODE_ENV: "production",
        JWT_SECRET: "production-like-jwt-secret-for-this-test-only-0123",
        ...testPieceKeys("gateway"),
        ...Object.fromEntries(Object.entries(subgraphUrls).map(([name, url]) => [`${name.toUpperCase()}_URL`, url])),
        HOST: "127.0.0.1",
        PORT: "0",
      },
      "gateway",
    );
    gateway = await startGateway({
      config,
      log: createLogger("warn", "production-gateway"),
      supergraphSdl: await readSupergraph(),
      subgraphUrls: subgraphUrls as Partial<Record<SubgraphName, string>>,
      port: 0,
      events: createEventBus(undefined, "production-gateway:"),
    });
  });
  afterAll(async () => gateway?.stop());

  it("answers a misspelt field without 'Did you mean' on both transports (and with it in development)", async () => {
    const misspelt = `{ listingz(first: 1) { edges { node { id } } } }`;
    const http = await new GatewayClient(gateway.url).request(misspelt);
    expect(http.errors?.[0]?.message).toMatch(/Cannot query field "listingz"/);
    expect(http.errors?.[0]?.message).not.toMatch(/Did you mean/);
    const client = wsClient(undefined, gateway.wsUrl);
    try {
      const errors = await wsOnce(client, misspelt).then(
        () => null,
        (e: { message: string }[]) => e,
      );
      expect(errors?.[0]?.message).toMatch(/Cannot query field "listingz"/);
      expect(errors?.[0]?.message).not.toMatch(/Did you mean/);
    } finally {
      await client.dispose();
    }
    // Positive control: the development gateway under test suggests.
    const dev = await anonymous.request(misspelt);
    expect(dev.errors?.[0]?.message).toMatch(/Did you mean .*"listings"/);
  });
});
