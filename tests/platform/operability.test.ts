import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createEventBus, createLogger, loadConfig, type SubgraphName } from "@localex/common";
import { startGateway, type RunningGateway } from "../../gateway/src/server.ts";
import { readSupergraph } from "../../packages/stack/src/composition.ts";
import { testGraphEnvironment } from "../harness/secrets.ts";

const gatewayUrl = () => inject("gatewayUrl");
const root = (url: string) => url.replace(/\/graphql$/, "");

describe("health and readiness", () => {
  it("every process answers /healthz, and /readyz with each dependency checked", async () => {
    const gateway = await fetch(`${root(gatewayUrl())}/readyz`);
    expect(gateway.status).toBe(200);
    const body = (await gateway.json()) as { status: string; checks: Record<string, string> };
    expect(body.status).toBe("ready");
    expect(Object.keys(body.checks).sort()).toEqual(["events", "identity", "ledger", "listings", "media", "search", "trades"]);
    for (const [name, url] of Object.entries(inject("subgraphUrls"))) {
      expect((await fetch(`${root(url!)}/healthz`)).status, name).toBe(200);
      const ready = await fetch(`${root(url!)}/readyz`);
      expect(ready.status, name).toBe(200);
      expect(((await ready.json()) as { checks: Record<string, string> }).checks).toEqual({ database: "ok", events: "ok" });
    }
  });
});

describe("a gateway whose search subgraph is a recording stand-in", () => {
  let standIn: Server;
  let seen: IncomingHttpHeaders[] = [];
  let gateway: RunningGateway;

  beforeAll(async () => {
    // Answers GraphQL as search would, for `search { totalCount }`; has no /healthz (so: not ready).
    standIn = createServer((req, res) => {
      if (req.url !== "/graphql") return void res.writeHead(404).end();
      seen.push(req.headers);
      req.resume();
      req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ data: { search: { totalCount: 0 } } })));
    });
    await new Promise<void>((resolve) => standIn.listen(0, "127.0.0.1", resolve));
    const standInUrl = `http://127.0.0.1:${(standIn.address() as AddressInfo).port}/graphql`;
    const config = loadConfig({ ...testGraphEnvironment(), HOST: "127.0.0.1", PORT: "0" });
    gateway = await startGateway({
      config,
      log: createLogger("silent"),
      supergraphSdl: await readSupergraph(),
      subgraphUrls: { ...(inject("subgraphUrls") as Partial<Record<SubgraphName, string>>), search: standInUrl },
      port: 0,
      events: createEventBus(undefined, "operability:"),
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    standIn.closeAllConnections();
    await new Promise((resolve) => standIn.close(resolve));
  });

  const ask = (headers: Record<string, string> = {}) =>
    fetch(gateway.url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ query: "{ search(first: 1) { totalCount } }" }),
    });

  it("keeps a well-formed X-Request-Id, answers it, and passes it to the subgraph", async () => {
    seen = [];
    const res = await ask({ "x-request-id": "client-req-0001" });
    expect(await res.json()).toEqual({ data: { search: { totalCount: 0 } } });
    expect(res.headers.get("x-request-id")).toBe("client-req-0001");
    expect(seen.map((h) => h["x-request-id"])).toEqual(["client-req-0001"]);
  });

  it("replaces a malformed one (and gives one to a request without), the same id to the subgraph", async () => {
    for (const sent of ["no spaces allowed", "x".repeat(200), undefined]) {
      seen = [];
      const res = await ask(sent ? { "x-request-id": sent } : {});
      const id = res.headers.get("x-request-id");
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(seen.map((h) => h["x-request-id"])).toEqual([id]);
    }
  });

  it("is not ready while a subgraph does not answer its health check, and names it", async () => {
    const res = await fetch(`${root(gateway.url)}/readyz`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { status: string; checks: Record<string, string> };
    expect(body.status).toBe("unavailable");
    expect(body.checks.search).toBe("answered 404");
    expect(body.checks.identity).toBe("ok");
    expect((await fetch(`${root(gateway.url)}/healthz`)).status).toBe(200); // alive all the same
  });
});
