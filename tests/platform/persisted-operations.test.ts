// Persisted operations (issue 13): the typed client's manifest (packages/client/src/gql/
// persisted-documents.json) runs by hash on the shared test graph (open mode, automatic
// persisted queries for anything else); a gateway in safelist mode, in its own process in front
// of the same subgraphs, runs the manifest's operations only, over HTTP and WebSocket.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { createClient } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import WebSocket from "ws";
import { GatewayClient, registerUser, wsOnce } from "../harness/client.ts";
import { freePort } from "../harness/databases.ts";
import { servePiece, stopPiece, untilHealthy, type Piece } from "../harness/pieces.ts";
import { testGraphEnvironment } from "../harness/secrets.ts";

const MANIFEST = fileURLToPath(new URL("../../packages/client/src/gql/persisted-documents.json", import.meta.url));
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

let manifest: Record<string, string>;
/** The manifest's hash of the operation named `name`. */
const hashOf = (name: string) => {
  const found = Object.entries(manifest).find(([, text]) => new RegExp(`^(query|mutation|subscription) ${name}\\b`).test(text));
  if (!found) throw new Error(`no ${name} in the manifest`);
  return found[0].replace(/^sha256:/, "");
};

/** A request as Apollo's automatic persisted queries send it: the hash, and the text only when asked. */
function persisted(url: string, hash: string, options: { query?: string; variables?: Record<string, unknown>; token?: string } = {}) {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
    body: JSON.stringify({ query: options.query, variables: options.variables ?? {}, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }),
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as { data?: Record<string, unknown>; errors?: { extensions?: { code?: string } }[] } }));
}

let safelisted: Piece | undefined;
let safelistUrl = "";
beforeAll(async () => {
  manifest = JSON.parse(await readFile(MANIFEST, "utf8")) as Record<string, string>;
  const port = await freePort();
  safelisted = servePiece("gateway", {
    ...testGraphEnvironment(),
    HOST: "127.0.0.1",
    PORT: String(port),
    REDIS_URL: "",
    PERSISTED_OPERATIONS: "safelist",
    ...Object.fromEntries(Object.entries(inject("subgraphUrls")).map(([name, url]) => [`${name.toUpperCase()}_URL`, url])),
  });
  await untilHealthy(`http://127.0.0.1:${port}/healthz`, safelisted);
  safelistUrl = `http://127.0.0.1:${port}/graphql`;
}, 120_000);

afterAll(async () => {
  await stopPiece(safelisted);
});

describe("persisted operations, open (the default)", () => {
  it("runs the typed client's operations by hash alone, the text never sent", async () => {
    const { status, body } = await persisted(inject("gatewayUrl"), hashOf("Categories"));
    expect(status).toBe(200);
    expect((body.data?.categories as unknown[]).length).toBeGreaterThan(0);
  });

  it("remembers any other operation once its text has been sent with its hash (automatic persisted queries)", async () => {
    const query = `query Slugs${Date.now()} { categories { slug } }`;
    const hash = sha256(query);
    const unknown = await persisted(inject("gatewayUrl"), hash);
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe("PERSISTED_QUERY_NOT_FOUND");
    const registered = await persisted(inject("gatewayUrl"), hash, { query });
    expect(registered.body.errors).toBeUndefined();
    const again = await persisted(inject("gatewayUrl"), hash);
    expect(again.body.data).toEqual(registered.body.data);
    // A hash that is not the text's is refused, and nothing is stored under it.
    const lying = await persisted(inject("gatewayUrl"), sha256("something else"), { query });
    expect(lying.status).toBe(400);
  });
});

describe("persisted operations, safelist", () => {
  it("runs the manifest's operations, by hash or by their exact text, signed in or not", async () => {
    const member = await registerUser();
    const me = await persisted(safelistUrl, hashOf("Me"), { token: member.accessToken });
    expect(me.body.errors).toBeUndefined();
    expect(me.body.data?.me).toMatchObject({ id: member.id, email: member.email });
    const text = manifest[`sha256:${hashOf("Categories")}`]!;
    const { data, errors } = await new GatewayClient(safelistUrl).request<{ categories: unknown[] }>(text);
    expect(errors).toBeUndefined();
    expect(data!.categories.length).toBeGreaterThan(0);
  });

  it("refuses any other operation, plain or registered by hash, with PERSISTED_QUERY_NOT_IN_LIST, and does not run it", async () => {
    const member = await registerUser();
    const other = `mutation { updateProfile(input: { displayName: "Not on the list" }) { user { displayName } } }`;
    const plain = await new GatewayClient(safelistUrl, member.accessToken).request(other);
    expect(plain.status).toBe(400);
    expect(plain.errors?.[0]?.extensions?.code).toBe("PERSISTED_QUERY_NOT_IN_LIST");
    const registering = await persisted(safelistUrl, sha256(other), { query: other, token: member.accessToken });
    expect(registering.body.errors?.[0]?.extensions?.code).toBe("PERSISTED_QUERY_NOT_IN_LIST");
    expect((await persisted(safelistUrl, sha256(other), { token: member.accessToken })).body.errors?.[0]?.extensions?.code).toBe("PERSISTED_QUERY_NOT_FOUND");
    // The operation never ran: the name is unchanged.
    const { me } = await member.client.data<{ me: { displayName: string } }>(`{ me { displayName } }`);
    expect(me.displayName).toBe(member.displayName);
  });

  it("applies the same list over WebSocket", async () => {
    const member = await registerUser();
    const client = createClient({
      url: safelistUrl.replace(/^http/, "ws"),
      webSocketImpl: WebSocket,
      lazy: false,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${member.accessToken}` },
      onNonLazyError: () => {},
    });
    try {
      // Refused at the start: graphql-ws delivers the errors to the subscription's error sink.
      const refused = await wsOnce(client, `subscription { notificationAdded { id message } }`).then(
        () => null,
        (errors: unknown) => errors as { extensions?: { code?: string } }[],
      );
      expect(refused?.[0]?.extensions?.code).toBe("PERSISTED_QUERY_NOT_IN_LIST");
      const listed = await wsOnce(client, manifest[`sha256:${hashOf("Categories")}`]!);
      expect(listed.errors, JSON.stringify(listed.errors)).toBeUndefined();
      expect((listed.data?.categories as unknown[]).length).toBeGreaterThan(0);
    } finally {
      await client.dispose();
    }
  });
});
