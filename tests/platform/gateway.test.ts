import { describe, expect, inject, it } from "vitest";
import { GatewayClient, registerUser, wsClient, wsOnce } from "../harness/client.ts";

const anonymous = new GatewayClient();

describe("the gateway", () => {
  it("serves Apollo Sandbox at / to a browser", async () => {
    const root = inject("gatewayUrl").replace(/graphql$/, "");
    const res = await fetch(root, { headers: { accept: "text/html" } });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/sandbox/i);
  });

  it("serves the API at / as well as /graphql", async () => {
    const root = new GatewayClient(inject("gatewayUrl").replace(/graphql$/, ""));
    expect(await root.data(`{ me { id } }`)).toEqual({ me: null });
  });

  it("composes all six subgraphs into one graph", async () => {
    const { __schema } = await anonymous.data(`{ __schema { queryType { fields { name } } } }`);
    const fields = __schema.queryType.fields.map((f: { name: string }) => f.name);
    expect(fields).toEqual(expect.arrayContaining(["me", "user", "listing", "trade", "job", "suggest"]));
  });

  it("refuses an operation with more aliases than the limit", async () => {
    const aliased = `{ ${Array.from({ length: 30 }, (_, i) => `m${i}: me { id }`).join(" ")} }`;
    const res = await anonymous.request(aliased);
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.message).toMatch(/aliases/i);
  });

  it("refuses an operation with too many tokens as a parse error", async () => {
    const huge = `{ ${Array.from({ length: 3000 }, (_, i) => `a${i}: __typename`).join(" ")} }`;
    const res = await anonymous.request(huge);
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.extensions?.code).toBe("GRAPHQL_PARSE_FAILED");
  });
});

describe("graphql-ws on the gateway", () => {
  it("runs queries for the user named in connection_init", async () => {
    const user = await registerUser({ displayName: "Socket" });
    const client = wsClient(user.accessToken);
    try {
      const result = await wsOnce(client, `{ me { id displayName email } }`);
      expect(result.data).toEqual({ me: { id: user.id, displayName: "Socket", email: user.email } });
    } finally {
      await client.dispose();
    }
  });

  it("validates operations against the API schema", async () => {
    const client = wsClient();
    try {
      await expect(wsOnce(client, `{ me { password } }`)).rejects.toEqual([
        expect.objectContaining({ message: expect.stringMatching(/Cannot query field "password"/) }),
      ]);
    } finally {
      await client.dispose();
    }
  });

  it("closes the connection with 4403 for a forged token", async () => {
    const closed = new Promise<number>((resolve) => {
      const client = wsClient("not.a.token");
      client.on("closed", (event) => resolve((event as { code: number }).code));
    });
    expect(await closed).toBe(4403);
  });
});
