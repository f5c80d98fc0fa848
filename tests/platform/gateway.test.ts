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
    const { __schema } = await anonymous.data<{ __schema: { queryType: { fields: { name: string }[] } } }>(`{ __schema { queryType { fields { name } } } }`);
    const fields = __schema.queryType.fields.map((f) => f.name);
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

describe("HTTP requests the gateway refuses before GraphQL", () => {
  const post = async (body: string, contentType = "application/json", url = inject("gatewayUrl")) => {
    const res = await fetch(url, { method: "POST", headers: { "content-type": contentType }, body });
    return { status: res.status, body: (await res.json()) as { errors?: { message: string; extensions?: { code?: string } }[] } };
  };

  it("refuses a body over 1 MiB with 413, and keeps serving", async () => {
    const padding = "x".repeat(1024 * 1024);
    const { status, body } = await post(JSON.stringify({ query: "{ me { id } }", variables: { padding } }));
    expect(status).toBe(413);
    expect(body.errors?.[0]?.extensions?.code).toBe("PAYLOAD_TOO_LARGE");
    expect(body.errors?.[0]?.message).toMatch(/larger than 1048576 bytes/);
    expect(await anonymous.data(`{ me { id } }`)).toEqual({ me: null });
  });

  it("answers a body just over the limit with the 413 every time, never cutting the client off mid-send", async () => {
    const body = JSON.stringify({ query: "{ me { id } }", variables: { padding: "x".repeat(1024 * 1024 + 1) } });
    const statuses = [];
    for (let i = 0; i < 20; i++)
      statuses.push(
        await post(body).then(
          (r) => r.status,
          (e: unknown) => String((e as Error).cause ?? e),
        ),
      );
    expect(statuses).toEqual(Array(20).fill(413));
  });

  it("answers malformed JSON with 400 BAD_REQUEST", async () => {
    const { status, body } = await post(`{"query": "{ me { id } }"`);
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions?.code).toBe("BAD_REQUEST");
  });

  it("answers a body that is not JSON with 400, naming the content type it needs", async () => {
    const { status, body } = await post("{ me { id } }", "text/plain");
    expect(status).toBe(400);
    expect(body.errors?.[0]?.message).toMatch(/content-type/i);
  });

  it("answers an unknown path with 404 NOT_FOUND", async () => {
    const { status, body } = await post("{}", "application/json", inject("gatewayUrl").replace(/graphql$/, "nowhere"));
    expect(status).toBe(404);
    expect(body.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
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
