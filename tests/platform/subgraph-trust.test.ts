import { generateKeyPairSync, randomUUID, type KeyObject } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CALLER_HEADER, serviceCaller, signCallerToken, SUBGRAPH_NAMES, type ServiceName, type SubgraphName } from "@localex/common";
import { CallerDataSource } from "../../gateway/src/datasource.ts";
import { GatewayClient, registerUser, signInAdmin } from "../harness/client.ts";
import { freePort } from "../harness/databases.ts";
import { servePiece, stopPiece, untilHealthy, type Piece } from "../harness/pieces.ts";
import { fundedUser } from "../ledger/helpers.ts";
import { TEST_CALLER_KEYS, TEST_JWT_SECRET, testGraphEnvironment, testPieceKeys } from "../harness/secrets.ts";

const urlOf = (subgraph: SubgraphName) => inject("subgraphUrls")[subgraph]!;

async function ask<T = Record<string, unknown>>(
  subgraph: SubgraphName,
  query: string,
  headers: Record<string, string> = {},
  variables: Record<string, unknown> = {},
) {
  const res = await fetch(urlOf(subgraph), {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T | null; errors?: { message: string; extensions: { code: string } }[] };
  return { status: res.status, body };
}

const ENTITIES = `query ($reps: [_Any!]!) { _entities(representations: $reps) { __typename } }`;
/** A caller token made by hand: any claims, signed with `key` (by default the gateway's own). */
const sign = (
  claims: { role: string; sub: string; iss: string; aud: string; exp?: string | number },
  key: KeyObject | Uint8Array = TEST_CALLER_KEYS.signingKey("gateway"),
  alg = "EdDSA",
) =>
  new SignJWT({ role: claims.role, sid: "s" })
    .setProtectedHeader({ alg })
    .setSubject(claims.sub)
    .setIssuer(claims.iss)
    .setAudience(claims.aud)
    .setIssuedAt()
    .setExpirationTime(claims.exp ?? "1m")
    .sign(key);
/** `signer`'s own private key in the test graph, as a process that holds only it would (media's, if media were broken into). */
const keyOf = (signer: ServiceName) => TEST_CALLER_KEYS.signingKey(signer);

describe("subgraphs answer only requests signed for them", () => {
  it("refuses an unsigned request with 401 on every subgraph, before any resolver runs (tried: identity's _entities answered 200)", async () => {
    const user = await registerUser();
    for (const subgraph of SUBGRAPH_NAMES) {
      const { status, body } = await ask(subgraph, ENTITIES, {}, { reps: [{ __typename: "User", id: user.id }] });
      expect(status, subgraph).toBe(401);
      expect(body.errors?.[0]?.extensions.code, subgraph).toBe("UNAUTHENTICATED");
      expect(body.data ?? null).toBeNull();
    }
    // Positive control: the same request, signed by the gateway for identity, is answered.
    const signed = await signCallerToken(TEST_CALLER_KEYS, null, { signer: "gateway", audience: "identity" });
    const answered = await ask("identity", ENTITIES, { [CALLER_HEADER]: signed }, { reps: [{ __typename: "User", id: user.id }] });
    expect(answered.status).toBe(200);
    expect(answered.body.data?._entities).toEqual([{ __typename: "User" }]);
  });

  it("refuses a token signed for another subgraph, an expired one, a forged one, a plain user id and a user's access token", async () => {
    const user = await registerUser();
    const forLedger = await signCallerToken(TEST_CALLER_KEYS, { userId: user.id, role: "user", sessionId: "s" }, { signer: "gateway", audience: "ledger" });
    const expired = await sign({ role: "user", sub: user.id, iss: "localex:gateway", aud: "localex:identity", exp: Math.floor(Date.now() / 1000) - 5 });
    const forged = await sign({ role: "admin", sub: user.id, iss: "localex:gateway", aud: "localex:identity" }, generateKeyPairSync("ed25519").privateKey);
    const strangeSigner = await sign({ role: "user", sub: user.id, iss: "localex:mallory", aud: "localex:identity" });
    // The old shared-secret scheme's token (HS256 with the access-token secret): no algorithm but EdDSA is accepted.
    const symmetric = await sign(
      { role: "user", sub: user.id, iss: "localex:gateway", aud: "localex:identity" },
      new TextEncoder().encode(TEST_JWT_SECRET),
      "HS256",
    );
    for (const header of [forLedger, expired, forged, strangeSigner, symmetric, user.id, user.accessToken]) {
      const { status, body } = await ask("identity", "{ me { id email } }", { [CALLER_HEADER]: header });
      expect(status).toBe(401);
      expect(body.data ?? null).toBeNull();
    }
    const own = await signCallerToken(TEST_CALLER_KEYS, { userId: user.id, role: "user", sessionId: "s" }, { signer: "gateway", audience: "identity" });
    expect((await ask("identity", "{ me { id } }", { [CALLER_HEADER]: own })).body.data?.me).toEqual({ id: user.id });
  });

  it("refuses a subgraph socket that the gateway did not sign for it", async () => {
    const { default: WebSocket } = await import("ws");
    const token = await signCallerToken(
      TEST_CALLER_KEYS,
      { userId: "service:gateway", role: "service", sessionId: "gateway" },
      { signer: "gateway", audience: "identity" },
    );
    const closeCode = (payload: Record<string, unknown>) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(urlOf("trades").replace(/^http/, "ws"), "graphql-transport-ws");
        ws.on("open", () => ws.send(JSON.stringify({ type: "connection_init", payload })));
        ws.on("message", (raw) => {
          if (JSON.parse(String(raw)).type === "connection_ack") ws.close(1000);
        });
        ws.on("close", (code) => resolve(code));
      });
    expect(await closeCode({})).toBe(4403);
    expect(await closeCode({ caller: token })).toBe(4403); // signed for identity, not trades
    const forTrades = await signCallerToken(
      TEST_CALLER_KEYS,
      { userId: "service:gateway", role: "service", sessionId: "gateway" },
      { signer: "gateway", audience: "trades" },
    );
    expect(await closeCode({ caller: forTrades })).toBe(1000); // acknowledged, then closed by us
  });
});

describe("internal fields name the services that may call them", () => {
  const PLACE_HOLD = `mutation ($holdKey: String!, $tradeId: ID!, $payerId: ID!, $payeeId: ID!, $amount: Int!) {
    placeHold(holdKey: $holdKey, tradeId: $tradeId, payerId: $payerId, payeeId: $payeeId, amount: $amount) { ok status } }`;
  const asService = async <T = Record<string, unknown>>(signer: SubgraphName, audience: SubgraphName, query: string, variables: Record<string, unknown> = {}) =>
    ask<T>(audience, query, { [CALLER_HEADER]: await signCallerToken(TEST_CALLER_KEYS, serviceCaller(signer), { signer, audience }) }, variables);

  it("only trades may place holds; media's or search's service token is refused", async () => {
    const payer = await registerUser();
    const payee = await registerUser();
    const input = (n: number) => ({ holdKey: `trust-${payer.id}-${n}`, tradeId: crypto.randomUUID(), payerId: payer.id, payeeId: payee.id, amount: 1 });
    for (const [i, signer] of (["media", "search", "identity", "listings"] as const).entries()) {
      const { body } = await asService(signer, "ledger", PLACE_HOLD, input(i));
      expect(body.errors?.[0]?.extensions.code, signer).toBe("FORBIDDEN");
    }
    const { body } = await asService<{ placeHold: { ok: boolean; status: string | null } }>("trades", "ledger", PLACE_HOLD, input(9));
    expect(body.errors ?? []).toEqual([]);
    expect(body.data?.placeHold.ok).toBeTypeOf("boolean");
  });

  it("only trades may reserve listings, only search may read listing documents", async () => {
    const reserve = `mutation { releaseListingsForTrade(tradeId: "${crypto.randomUUID()}") }`;
    expect((await asService("media", "listings", reserve)).body.errors?.[0]?.extensions.code).toBe("FORBIDDEN");
    expect((await asService("trades", "listings", reserve)).body.data?.releaseListingsForTrade).toBe(0);
    const documents = `{ listingDocuments(first: 1) { nextCursor } }`;
    expect((await asService("trades", "listings", documents)).body.errors?.[0]?.extensions.code).toBe("FORBIDDEN");
    expect((await asService("search", "listings", documents)).body.errors ?? []).toEqual([]);
  });

  it("a service cannot speak as another: media signing as service:trades is refused", async () => {
    const token = await sign({ role: "service", sub: "service:trades", iss: "localex:media", aud: "localex:ledger" }, keyOf("media"));
    const { status } = await ask("ledger", `mutation { releaseHold(holdKey: "x") { status } }`, { [CALLER_HEADER]: token });
    expect(status).toBe(401);
  });
});

describe("each service signs with its own key: holding one lets a process speak only as that service", () => {
  const GRANT = `mutation ($userId: ID!, $key: String!) { grantCredits(userId: $userId, amount: 7, memo: "minted", idempotencyKey: $key) { transfer { amount } errors { code } } }`;
  const balanceOf = async (member: { client: GatewayClient }) =>
    (await member.client.data<{ me: { account: { balance: number } | null } }>(`{ me { account { balance } } }`)).me.account?.balance ?? 0;

  it("the ledger refuses (401) a token signed with media's key that claims to be the gateway acting for an admin; the gateway's own key is accepted", async () => {
    // Its welcome credits already in: they arrive by a job, and must not land between the reads.
    const member = await fundedUser();
    const { me: admin } = await (await signInAdmin()).data<{ me: { id: string } }>(`{ me { id } }`);
    const asAdmin = { role: "admin", sub: admin.id, iss: "localex:gateway", aud: "localex:ledger" };
    const before = await balanceOf(member);

    // What media could do if its image decoding were broken into: it holds its own key only.
    const forged = await sign(asAdmin, keyOf("media"));
    const refused = await ask("ledger", GRANT, { [CALLER_HEADER]: forged }, { userId: member.id, key: randomUUID() });
    expect(refused.status).toBe(401);
    expect(refused.body.errors?.[0]?.extensions.code).toBe("UNAUTHENTICATED");
    expect(refused.body.data ?? null).toBeNull();
    // Nor may media's key claim to be another subgraph (trades, which places holds).
    const asTrades = await sign({ role: "service", sub: "service:trades", iss: "localex:trades", aud: "localex:ledger" }, keyOf("media"));
    expect((await ask("ledger", `mutation { releaseHold(holdKey: "x") { status } }`, { [CALLER_HEADER]: asTrades })).status).toBe(401);
    expect(await balanceOf(member)).toBe(before);

    // Positive control: the same claims signed with the gateway's key mint the credits.
    const genuine = await sign(asAdmin, keyOf("gateway"));
    const granted = await ask<{ grantCredits: { transfer: { amount: number } | null; errors: unknown[] } }>(
      "ledger",
      GRANT,
      { [CALLER_HEADER]: genuine },
      { userId: member.id, key: randomUUID() },
    );
    expect(granted.status).toBe(200);
    expect(granted.body.data?.grantCredits).toEqual({ transfer: { amount: 7 }, errors: [] });
    expect(await balanceOf(member)).toBe(before + 7);
  });
});

describe("the gateway waits for a subgraph only so long", () => {
  let silent: Server;
  let url: string;
  beforeAll(async () => {
    // A subgraph that accepts the request and never answers.
    silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/graphql`;
  });
  afterAll(async () => {
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
  });

  it("answers SUBGRAPH_TIMEOUT with the subgraph's name when it does not answer in time", async () => {
    const source = new CallerDataSource("search", url, TEST_CALLER_KEYS, { maxFileBytes: 1, timeoutMs: 300 });
    const started = Date.now();
    const failure = await source.process({ request: { query: "{ __typename }" }, context: { caller: null, clientAddress: "127.0.0.1" } } as never).then(
      () => null,
      (e: unknown) => e as { message: string; extensions?: { code?: string } },
    );
    expect(failure?.extensions?.code).toBe("SUBGRAPH_TIMEOUT");
    expect(failure?.message).toMatch(/search service did not answer within 0.3 s/);
    expect(Date.now() - started).toBeLessThan(5_000);
    await source.close();
  });

  it("still answers through the gateway when subgraphs answer (positive control)", async () => {
    const res = await new GatewayClient().request(`{ __typename }`);
    expect(res.data).toEqual({ __typename: "Query" });
  });
});

describe("a subgraph in production answers no introspection", () => {
  let search: Piece | undefined;
  let productionUrl: string;
  beforeAll(async () => {
    const port = await freePort();
    search = servePiece("search", {
      ...testGraphEnvironment(),
      NODE_ENV: "production",
      DATABASE_URL: inject("databaseUrl"),
      REDIS_URL: "",
      SEARCH_PORT: String(port),
      // Production requires its peers' addresses.
      ...Object.fromEntries(Object.entries(inject("subgraphUrls")).map(([name, url]) => [`${name.toUpperCase()}_URL`, url])),
      // Production refuses the development seed: search's own key and every signer's public key.
      ...testPieceKeys("search"),
    });
    productionUrl = `http://127.0.0.1:${port}/graphql`;
    await untilHealthy(`http://127.0.0.1:${port}/healthz`, search);
  }, 120_000);
  afterAll(() => stopPiece(search));

  it("refuses __schema from the gateway itself, while the same request to a development subgraph is answered", async () => {
    const INTROSPECT = `{ __schema { queryType { name } } }`;
    const signed = {
      "content-type": "application/json",
      [CALLER_HEADER]: await signCallerToken(TEST_CALLER_KEYS, null, { signer: "gateway", audience: "search" }),
    };
    const ask = async (url: string, query: string) =>
      (await (await fetch(url, { method: "POST", headers: signed, body: JSON.stringify({ query }) })).json()) as {
        data?: unknown;
        errors?: { message: string }[];
      };
    const refused = await ask(productionUrl, INTROSPECT);
    expect(refused.data ?? null).toBeNull();
    expect(refused.errors?.[0]?.message).toMatch(/introspection is not allowed/i);
    // The production subgraph still answers operations; the development one, introspection too.
    expect((await ask(productionUrl, `{ suggest(prefix: "zz") }`)).errors).toBeUndefined();
    expect((await ask(urlOf("search"), INTROSPECT)).data).toEqual({ __schema: { queryType: { name: "Query" } } });
  });
});
